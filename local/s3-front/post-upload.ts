import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import busboy from 'busboy';
import { sizeRefusal, verifyPostPolicy, type PolicyVerdict, type S3Credentials } from './post-policy.ts';
import { sendRefusal, type S3Refusal } from './s3-refusal.ts';
import { relay, sendUpstream, type Upstream } from './upstream.ts';

export interface PostUploadSettings {
  upstream: Upstream;
  credentials: readonly S3Credentials[];
  /** Where a form is staged while its file streams in; nothing else is written there. */
  stagingDir: string;
  now: () => Date;
}

/**
 * A browser-style POST upload to `bucket`, judged as S3 judges it. The body streams into a staging
 * file while busboy reads the form: the policy is checked when the file part begins, the size once
 * it ends. Only a form that passes reaches s3rver, byte for byte as it came, so s3rver stores
 * nothing and fires no event for a refused one. Memory stays flat whatever the file's size.
 */
export async function handlePostUpload(request: IncomingMessage, response: ServerResponse, bucket: string, settings: PostUploadSettings): Promise<void> {
  const stagedPath = join(settings.stagingDir, `${randomUUID()}.form`);
  try {
    const judged = await stageAndJudge(request, bucket, stagedPath, settings);
    if (judged.refusal) {
      sendRefusal(response, judged.refusal, request.method);
      return;
    }
    const headers = { ...request.headers, 'content-length': String(judged.stagedBytes) };
    const stored = await sendUpstream(settings.upstream, 'POST', request.url ?? '/', headers, createReadStream(stagedPath));
    relay(stored, response);
    await finished(response);
  } finally {
    await rm(stagedPath, { force: true });
  }
}

interface Judgement {
  refusal?: S3Refusal;
  stagedBytes: number;
}

const notAForm: S3Refusal = {
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
  details: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' },
};
const malformed: S3Refusal = { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' };
const noFile: S3Refusal = {
  status: 400,
  code: 'InvalidArgument',
  message: 'POST requires exactly one file upload per request.',
  details: { ArgumentName: 'file', ArgumentValue: 0 },
};

/** Reads the whole request (a refused one too: the client then gets the answer, not a reset). */
async function stageAndJudge(request: IncomingMessage, bucket: string, stagedPath: string, settings: PostUploadSettings): Promise<Judgement> {
  const fields = new Map<string, string>();
  let duplicateField: string | undefined;
  let fileSeen = false;
  let fileBytes = 0;
  let verdict: PolicyVerdict | undefined;
  let stagedBytes = 0;
  // Once refused or over the size limit, the rest is read and dropped, not written to disk.
  const keepStaging = () => verdict?.allowed !== false && !duplicateField && (!verdict?.sizeRange || fileBytes <= verdict.sizeRange.max);

  const staged = createWriteStream(stagedPath);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!keepStaging()) return done(null, chunk);
      stagedBytes += chunk.length;
      if (staged.write(chunk)) done(null, chunk);
      else staged.once('drain', () => done(null, chunk));
    },
  });
  const judgeFile = () => {
    fileSeen = true;
    verdict = verifyPostPolicy({ bucket, fields }, settings.credentials, settings.now());
  };

  let parseFailed: S3Refusal | undefined;
  try {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { fieldSize: 1024 * 1024 } });
    } catch (error) {
      parseFailed = notAForm;
      throw error;
    }
    parser.on('field', (name, value) => {
      if (fileSeen) return; // S3 (and s3rver) ignore every field after the file
      if (name === 'file') {
        judgeFile();
        fileBytes = Buffer.byteLength(value);
        return;
      }
      const field = name.toLowerCase();
      // Field names are case-insensitive to S3 but not to s3rver: a repeated name could pass one and store under the other.
      if (fields.has(field)) duplicateField ??= name;
      fields.set(field, value);
    });
    parser.on('file', (name, file) => {
      if (name !== 'file' || fileSeen) {
        file.resume();
        return;
      }
      judgeFile();
      file.on('data', (chunk: Buffer) => {
        fileBytes += chunk.length;
      });
    });
    await new Promise<void>((resolve, reject) => {
      parser.once('close', resolve);
      parser.once('error', reject);
      tee.once('error', reject);
      staged.once('error', reject);
      request.once('error', reject);
      request.pipe(tee).pipe(parser);
    });
  } catch (error) {
    if (request.destroyed) throw error; // the client went away: nobody to answer
    parseFailed ??= malformed;
    request.unpipe();
    request.resume();
    if (!request.readableEnded) await finished(request).catch(() => undefined);
  } finally {
    staged.end();
    await finished(staged).catch(() => undefined);
  }

  if (parseFailed) return { refusal: parseFailed, stagedBytes };
  if (duplicateField) {
    return {
      refusal: {
        status: 400,
        code: 'InvalidArgument',
        message: `The form field ${duplicateField} appears more than once.`,
        details: { ArgumentName: duplicateField },
      },
      stagedBytes,
    };
  }
  // A form with no file is still judged on its policy first, as S3 does.
  verdict ??= verifyPostPolicy({ bucket, fields }, settings.credentials, settings.now());
  if (!verdict.allowed) return { refusal: verdict.refusal, stagedBytes };
  if (!fileSeen) return { refusal: noFile, stagedBytes };
  const tooBigOrSmall = sizeRefusal(fileBytes, verdict.sizeRange);
  return tooBigOrSmall ? { refusal: tooBigOrSmall, stagedBytes } : { stagedBytes };
}
