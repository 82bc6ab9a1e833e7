import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import type { PodiumContext } from '#shared/context.ts';
import { onTrainingJobStateChange, type TrainingJobStateEvent } from '#shared/training/on-training-job-state.ts';
import { readTrainingBudget, reserveTrainingBudget } from '#shared/training/training-budget.ts';
import { createTrainingJobRecord, transitionTrainingJob } from '#shared/training/training-job-record.ts';
import { trainingRunKeys } from '#shared/training/training-run-spec.ts';
import { API_URL, discussionServers } from '../discussion/discussion-harness.ts';

const servers = discussionServers();

type Inbox = { notifications: { type: string; title: string }[] };

/** A job as the API leaves it (budget reserved, queued), ended by its runner with `runSeconds` of real run time. */
async function trainedJob(ctx: PodiumContext, id: string, teamId: string, submittedBy: string, runSeconds: number): Promise<TrainingJobStateEvent> {
  const challenge = await getChallenge(ctx, 'tissuenet');
  const reservation = await reserveTrainingBudget(ctx, 'tissuenet', challenge.phases[0]!, teamId, id);
  await createTrainingJobRecord(ctx, {
    id,
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId,
    submittedBy,
    archiveKey: `tissuenet/learning/training/${teamId}/${id}/train.zip`,
    archiveBytes: 100,
    runSecondsLimit: reservation.runSeconds,
    budgetLimited: reservation.budgetLimited,
  });
  await transitionTrainingJob(ctx, id, ['CREATED'], 'QUEUED');
  const result = { end: 'SUCCEEDED', message: 'train.py finished', runSeconds, outputs: [] };
  const key = trainingRunKeys({ challengeId: 'tissuenet', phaseId: 'learning', teamId, trainingJobId: id }).result;
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: key, Body: JSON.stringify(result) }));
  return { trainingJobId: id, status: 'SUCCEEDED', at: '2026-06-01T11:00:00Z' };
}

describe('training-budget alerts', () => {
  it('a job crossing 70 % tells each team member and each organiser once, in the app and by e-mail as each chose, however often its end arrives', async () => {
    const api = await servers.start((challenge) => {
      challenge.phases[0]!.training!.budgetGpuHoursPerTeam = 1;
      challenge.notifications.organisers = ['org@example.org', 'org-away@example.org'];
    });
    // The organiser's account exists once they have signed in; the second address never did.
    expect((await api.json('GET', '/me/notifications', api.organiser)).status).toBe(200);
    const ada = await api.competitor('ada-budget@example.org');
    const bob = await api.competitor('bob-budget@example.org');
    const carol = await api.competitor('carol-budget@example.org');
    const team = (await api.json<{ teamId: string; inviteCode: string }>('POST', '/challenges/tissuenet/teams', ada, { name: 'Budgeteers' })).body;
    expect((await api.json('POST', '/challenges/tissuenet/teams/join', bob, { inviteCode: team.inviteCode })).status).toBe(200);
    // Bob wants budget alerts in the app only.
    expect((await api.json('PATCH', '/me/notification-preferences', bob, { 'training.budget': { email: false } })).status).toBe(200);
    const before = { ada: (await api.mailTo('ada-budget@example.org')).length, bob: (await api.mailTo('bob-budget@example.org')).length };

    // 2,700 s of the 3,600 s budget: 75 %, past the 70 % threshold only. The end event arrives twice at once, then again.
    const ended = await trainedJob(api.ctx, 't-budget', team.teamId, 'user-ada', 2700);
    await Promise.all([onTrainingJobStateChange(api.ctx, ended), onTrainingJobStateChange(api.ctx, ended)]);
    await onTrainingJobStateChange(api.ctx, ended);
    expect((await readTrainingBudget(api.ctx, 'tissuenet', 'learning', team.teamId))!.usedGpuSeconds).toBe(2700);

    const title = `Team ${team.teamId} has used 70 % of its training budget (learning)`;
    for (const token of [ada, bob, api.organiser]) {
      const inbox = (await api.json<Inbox>('GET', '/me/notifications', token)).body;
      expect(inbox.notifications.filter((notification) => notification.type === 'training.budget')).toEqual([expect.objectContaining({ title })]);
    }
    const carolInbox = (await api.json<Inbox>('GET', '/me/notifications', carol)).body;
    expect(carolInbox.notifications.filter((notification) => notification.type === 'training.budget')).toEqual([]);

    const adaMails = (await api.mailTo('ada-budget@example.org')).slice(before.ada);
    expect(adaMails).toEqual([expect.objectContaining({ subject: `[tissuenet] ${title}` })]);
    expect(adaMails[0]!.text).toContain('0.75 of 1 GPU-hours');
    expect(adaMails[0]!.text).toContain(`${API_URL}/notifications/unsubscribe?token=`);
    expect(await api.mailTo('org@example.org')).toEqual([expect.objectContaining({ subject: `[tissuenet] ${title}` })]);
    expect((await api.mailTo('bob-budget@example.org')).slice(before.bob)).toEqual([]);
    expect(await api.mailTo('org-away@example.org')).toEqual([]);
    expect(await api.mailTo('carol-budget@example.org')).toEqual([]);
  });
});
