import { useQuery } from '@tanstack/react-query';
import { ApiError } from './api.ts';
import { answerOf, podiumApi } from './podium-api.ts';
import { useSession } from './session.ts';

/** Server state every feature reads: the challenge, and the caller's registration and team in it. */
export function useChallenge(challengeId: string) {
  return useQuery({
    queryKey: ['challenge', challengeId],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}', { params: { path: { challengeId } } })),
  });
}

/** Undefined while signed out; null when not registered. */
export function useRegistration(challengeId: string) {
  const session = useSession();
  return useQuery({
    queryKey: ['registration', challengeId, session?.userId],
    enabled: Boolean(session),
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/registration', { params: { path: { challengeId } } })).catch(nullOn404),
  });
}

/** Null when the caller has no team yet (a team of one is made at the first submission). */
export function useMyTeam(challengeId: string, enabled = true) {
  const session = useSession();
  return useQuery({
    queryKey: ['team', challengeId, session?.userId],
    enabled: Boolean(session) && enabled,
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/teams/mine', { params: { path: { challengeId } } })).catch(nullOn404),
  });
}

export function nullOn404(error: unknown): null {
  if (error instanceof ApiError && error.status === 404) return null;
  throw error;
}
