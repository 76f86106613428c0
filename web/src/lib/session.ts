import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { PrincipalBody } from '../../../contracts/auth.ts';
import type { Permission } from '../../../contracts/permissions.ts';
import { api } from './api.ts';

/** The signed-in principal, or null when signed out. */
export function useSession() {
  const query = useQuery({
    queryKey: ['me'],
    queryFn: async () => (await api<{ me: PrincipalBody | null }>('/auth/session')).me,
  });
  const client = useQueryClient();
  return {
    me: query.data ?? null,
    isLoading: query.isLoading,
    can: (p: Permission) => query.data?.permissions.includes(p) ?? false,
    setMe: (me: PrincipalBody | null) => client.setQueryData(['me'], me),
  };
}
