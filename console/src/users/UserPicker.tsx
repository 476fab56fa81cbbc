import { Autocomplete, TextField } from '@mui/material';
import { useEffect, useState } from 'react';
import { useGetList, useGetMany } from 'react-admin';
import type { Schemas } from '../api/client';

type User = Schemas['UserResponseDto'];

/** Typing narrows the people offered through the API's search (an organization can hold 100k). */
function useUserSearch(text: string) {
  const [query, setQuery] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text), 250);
    return () => clearTimeout(timer);
  }, [text]);
  return useGetList<User>('users', {
    pagination: { page: 1, perPage: 20 },
    sort: { field: 'username', order: 'ASC' },
    filter: { q: query || undefined },
  });
}

const label = (user: User) =>
  user.displayName ? `${user.username} (${user.displayName})` : user.username;

/** One person, found by typing part of their username, name or email. */
export function UserPicker(props: {
  label: string;
  value: User | null;
  onChange: (user: User | null) => void;
}) {
  const [text, setText] = useState('');
  const { data = [], isPending } = useUserSearch(text);
  return (
    <Autocomplete
      sx={{ flex: 1, minWidth: 240 }}
      options={data}
      loading={isPending}
      filterOptions={(options) => options}
      getOptionLabel={label}
      isOptionEqualToValue={(option, value) => option.id === value.id}
      value={props.value}
      onChange={(_event, user) => props.onChange(user)}
      onInputChange={(_event, value) => setText(value)}
      renderInput={(params) => <TextField {...params} label={props.label} size="small" />}
    />
  );
}

/** Several people by id (what the API stores), searched the same way. */
export function UsersPicker(props: {
  label: string;
  value: string[];
  onChange: (ids: string[]) => void;
}) {
  const [text, setText] = useState('');
  const { data = [], isPending } = useUserSearch(text);
  // The people chosen: those the API holds (read once by id) and those just picked.
  const { data: stored = [] } = useGetMany<User>('users', { ids: props.value });
  const [picked, setPicked] = useState<User[]>([]);
  const known = new Map([...stored, ...picked].map((user) => [user.id, user]));
  const chosen = props.value.flatMap((id) => known.get(id) ?? []);
  return (
    <Autocomplete
      multiple
      sx={{ flex: 1, minWidth: 240 }}
      options={data}
      loading={isPending}
      filterOptions={(options) => options}
      getOptionLabel={label}
      isOptionEqualToValue={(option, value) => option.id === value.id}
      value={chosen}
      onChange={(_event, users) => {
        setPicked(users);
        props.onChange(users.map((user) => user.id));
      }}
      onInputChange={(_event, value, reason) => reason === 'input' && setText(value)}
      renderInput={(params) => <TextField {...params} label={props.label} size="small" />}
    />
  );
}
