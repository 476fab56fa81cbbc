import { Alert, Box, Button, Card, CardContent, Stack, Typography } from '@mui/material';
import type { FormEvent, ReactNode } from 'react';

/**
 * The pages a person sees before they are signed in (sign-in, accepting an
 * invite): one card in the middle, a heading, the refusal in an alert, and a
 * form whose submit button says what it does and when it is working.
 */
export function PublicForm(props: {
  title: string;
  formLabel: string;
  submitLabel: string;
  busyLabel: string;
  busy: boolean;
  error: string | null;
  onSubmit: (event: FormEvent) => void;
  children: ReactNode;
  /** Below the submit button: other ways through (a recovery code, starting again). */
  footer?: ReactNode;
}) {
  return (
    <Box
      component="main"
      sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'grey.100', p: 2 }}
    >
      <Card sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            {props.title}
          </Typography>
          <Stack
            component="form"
            spacing={2}
            onSubmit={props.onSubmit}
            aria-label={props.formLabel}
          >
            {props.error !== null && (
              <Alert severity="error" role="alert">
                {props.error}
              </Alert>
            )}
            {props.children}
            <Button type="submit" variant="contained" disabled={props.busy}>
              {props.busy ? props.busyLabel : props.submitLabel}
            </Button>
            {props.footer}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
