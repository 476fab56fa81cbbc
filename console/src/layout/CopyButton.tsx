import { Button } from '@mui/material';
import { useState } from 'react';

/**
 * Copies `text` to the clipboard and says so. `what` ("the callback URL")
 * completes the visible word for screen readers, where several copy buttons
 * share a page.
 */
export function CopyButton({ text, what }: { text: string; what?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="small"
      variant="outlined"
      aria-label={what && `${copied ? 'Copied' : 'Copy'} ${what}`}
      onClick={() => void navigator.clipboard.writeText(text).then(() => setCopied(true))}
    >
      {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}
