import type { ApiDependencies } from '../../api-env.ts';
import type { PodiumRouter } from '../../router.ts';
import { adminChallengeRoutes } from './admin-challenges.ts';
import { adminDiscussionRoutes } from './admin-discussion.ts';
import { adminExportRoutes } from './admin-exports.ts';
import { adminHealthRoutes } from './admin-health.ts';
import { adminLogRoutes } from './admin-logs.ts';
import { adminParticipantRoutes } from './admin-participants.ts';
import { adminPhaseRoutes } from './admin-phases.ts';
import { adminReleaseRoutes } from './admin-releases.ts';
import { adminRerunRoutes } from './admin-reruns.ts';
import { adminRescoreRoutes } from './admin-rescore.ts';
import { adminSubmissionRoutes } from './admin-submissions.ts';
import { adminTeamRoutes } from './admin-teams.ts';
import { adminTrainingRoutes } from './admin-training.ts';

/** Every `/admin/*` router, in mounting order: one chunk of the API bundle, loaded by the first organiser request (app.ts). */
export function adminRouters(deps: ApiDependencies): PodiumRouter[] {
  return [
    adminChallengeRoutes(deps),
    adminLogRoutes(deps),
    adminParticipantRoutes(deps),
    adminSubmissionRoutes(deps),
    adminTeamRoutes(deps),
    adminTrainingRoutes(deps),
    adminPhaseRoutes(deps),
    adminRescoreRoutes(deps),
    adminRerunRoutes(deps),
    adminReleaseRoutes(deps),
    adminExportRoutes(deps),
    adminDiscussionRoutes(deps),
    adminHealthRoutes(deps),
  ];
}
