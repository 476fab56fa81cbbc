import { Box, IconButton, MenuItem, TextField, Typography } from '@mui/material';
import ChevronLeft from '@mui/icons-material/ChevronLeft';
import ChevronRight from '@mui/icons-material/ChevronRight';
import { useListContext } from 'react-admin';

/**
 * Previous / next over the API's cursor pages. The API gives no total (a count
 * over 100k rows on every page would cost more than the page), so none is shown.
 */
export function CursorPagination({
  perPageChoices = [25, 50, 100],
}: {
  perPageChoices?: number[];
}) {
  const { page, perPage, setPage, setPerPage, hasNextPage, hasPreviousPage, data, isPending } =
    useListContext();
  if (isPending || (page === 1 && !hasNextPage && (data?.length ?? 0) === 0)) return null;
  const from = (page - 1) * perPage + 1;
  const to = from + (data?.length ?? 0) - 1;
  return (
    <Box
      component="nav"
      aria-label="Pages"
      sx={{ display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: 2, p: 1 }}
    >
      <TextField
        select
        size="small"
        label="Rows per page"
        value={perPage}
        onChange={(event) => setPerPage(Number(event.target.value))}
        sx={{ width: 140, flex: '0 0 auto' }}
      >
        {perPageChoices.map((choice) => (
          <MenuItem key={choice} value={choice}>
            {choice}
          </MenuItem>
        ))}
      </TextField>
      <Typography variant="body2" aria-live="polite">
        Rows {from}–{to}
      </Typography>
      <IconButton
        aria-label="Previous page"
        disabled={!hasPreviousPage}
        onClick={() => setPage(page - 1)}
      >
        <ChevronLeft />
      </IconButton>
      <IconButton aria-label="Next page" disabled={!hasNextPage} onClick={() => setPage(page + 1)}>
        <ChevronRight />
      </IconButton>
    </Box>
  );
}
