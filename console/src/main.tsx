import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

// The API serves this page with a Content-Security-Policy that allows only
// <style> elements carrying this page load's nonce; emotion, MUI's style
// engine, puts it on every element it inserts.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;
const styleCache = createCache({ key: 'wc', nonce, prepend: true });

const root = document.getElementById('root');
if (root === null) throw new Error('index.html lost its #root element');
createRoot(root).render(
  <StrictMode>
    <CacheProvider value={styleCache}>
      <App />
    </CacheProvider>
  </StrictMode>,
);
