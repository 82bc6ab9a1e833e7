import { expect } from 'vitest';
import type { TrainingJobView } from '#shared/training/training-job-view.ts';
import { zipFolderEntries } from './training-archive.ts';

/** TissueNet's registration questions, answered (examples/tissuenet/challenge.yaml). */
const TISSUENET_ANSWERS = { affiliation: 'Institut Curie', country: 'France', 'data-use': true };

/** A competitor of the TissueNet demo on a running local stack, training as `podium train` does, over HTTP. */
export function trainingApi(apiUrl: string) {
  const call = async <T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    call,
    /** A registered competitor's token (the dev issuer's one-step login). */
    async competitor(email: string): Promise<string> {
      const token = (await call<{ token: string }>('POST', '/dev/login', undefined, { email, role: 'competitor' })).body.token;
      const rules = (await call<{ version: string }>('GET', '/challenges/tissuenet/rules')).body.version;
      expect((await call('POST', '/challenges/tissuenet/registration', token, { rulesVersion: rules, answers: TISSUENET_ANSWERS })).status).toBe(200);
      return token;
    },
    /** `podium train`: create the job, POST the archive to its presigned form, start it. */
    async train(token: string, trainPy: string): Promise<TrainingJobView> {
      const archive = await zipFolderEntries({ 'train.py': trainPy });
      const created = await call<{ trainingJob: TrainingJobView; upload: { url: string; fields: Record<string, string> } }>(
        'POST',
        '/challenges/tissuenet/phases/learning/training-jobs',
        token,
        { archiveBytes: archive.length },
      );
      expect(created.status).toBe(201);
      const form = new FormData();
      for (const [name, value] of Object.entries(created.body.upload.fields)) form.append(name, value);
      form.append('file', new Blob([archive]));
      expect((await fetch(created.body.upload.url, { method: 'POST', body: form })).status).toBeLessThan(300);
      const started = await call<TrainingJobView>('POST', `/challenges/tissuenet/training-jobs/${created.body.trainingJob.id}/start`, token);
      expect(started.body.status).toBe('QUEUED');
      return started.body;
    },
    job: async (token: string, id: string) => (await call<TrainingJobView>('GET', `/challenges/tissuenet/training-jobs/${id}`, token)).body,
    log: async (token: string, id: string) => (await call<{ lines: string[] }>('GET', `/challenges/tissuenet/training-jobs/${id}/log`, token)).body.lines,
  };
}
