import * as z from 'zod';
import { phaseRuntimeImage, runtimeImageSchema } from '../runtimes/runtime-image.ts';
import { OPEN_SOURCE_LICENCES } from './open-source-licences.ts';

/**
 * The challenge file (`challenge.yaml`) as organisers write it. One folder per challenge holds this
 * file plus the markdown pages it names. `loadChallenge()` validates it and resolves the pages.
 */

const identifier = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (max 63), starting with a letter or digit');

const utcInstant = z.iso.datetime({ message: 'must be an ISO 8601 UTC instant such as 2027-01-01T00:00:00Z' });

export const predictionColumnSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(['probability', 'binary', 'integer', 'float', 'category']),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Allowed values for `category` columns. */
    values: z.array(z.string()).min(1).optional(),
  })
  .strict()
  .superRefine((column, ctx) => {
    if (column.type === 'category' && !column.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'is required for category columns' });
    }
    if (column.min !== undefined && column.max !== undefined && column.min > column.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'must not exceed max' });
    }
  });

export const submissionFormatSchema = z
  .object({
    idColumn: z.string().min(1),
    columns: z.array(predictionColumnSchema).min(1),
    /** Exactly one prediction column is 1 on each row (TissueNet's one-hot class columns). */
    oneHot: z.boolean().default(false),
  })
  .strict()
  .superRefine((format, ctx) => {
    const names = new Set<string>([format.idColumn]);
    format.columns.forEach((column, index) => {
      if (names.has(column.name)) {
        ctx.addIssue({ code: 'custom', path: ['columns', index, 'name'], message: `duplicates column "${column.name}"` });
      }
      names.add(column.name);
    });
    if (format.oneHot && format.columns.some((column) => column.type !== 'binary')) {
      ctx.addIssue({ code: 'custom', path: ['oneHot'], message: 'requires every prediction column to be of type binary' });
    }
  });

/*
 * Built-in metrics return what scikit-learn 1.2.1 returns on the same rows, to 1e-12
 * (docs/ARCHITECTURE.md, "Metrics: scikit-learn 1.2 semantics"; test/scoring/metrics.test.ts):
 * accuracy_score, balanced_accuracy_score, f1_score(average='macro', zero_division=0),
 * roc_auc_score (undefined on one class: the scorer refuses the labels, as 1.2 raises; 1.5
 * returned 0.0, 1.6 onwards NaN), mean_squared_error(squared=False), mean_absolute_error.
 */
const costMatrixMetric = z
  .object({
    kind: z.literal('cost-matrix'),
    /** cost[true][predicted]; score = 1 − mean cost. Rows and columns follow `submissionFormat.columns`. */
    matrix: z.array(z.array(z.number().min(0))).min(2),
  })
  .strict();

const simpleMetric = z
  .object({
    kind: z.enum(['accuracy', 'balanced-accuracy', 'macro-f1', 'roc-auc', 'rmse', 'mae']),
  })
  .strict();

const logLossMetric = z
  .object({
    kind: z.literal('log-loss'),
    /**
     * scikit-learn 1.2's `log_loss(y, p, eps=eps, labels=[0, 1])`: p clipped to [eps, 1 − eps],
     * then [1 − p, p] renormalised. The default 1e-15 is scikit-learn's before 1.2; later versions
     * clip at float64's ε (1.2's `"auto"`; `eps` deprecated in 1.3, removed in 1.5): write
     * `eps: 2.220446049250313e-16` to match them.
     */
    eps: z.number().positive().max(0.5).default(1e-15),
  })
  .strict();

/** A score's name: a leaderboard column's key, and the key a scoring program prints it under. */
const scoreName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1–32 lower-case letters, digits, _ or -, starting with a letter');

/** Largest scoring program: it travels inside the challenge record, a DynamoDB item of at most 400 KB with the pages. */
export const MAX_SCORING_PROGRAM_BYTES = 64 * 1024;

/**
 * An organiser's scoring program: a Python file in the challenge folder, run sandboxed in the
 * scoring job on one submission's labels and predictions (docs/ARCHITECTURE.md, "Scoring
 * programs"). It prints named scores; `score` names the one that ranks.
 */
const programMetric = z
  .object({
    kind: z.literal('program'),
    /** The program's file, relative to the challenge folder. */
    path: z
      .string()
      .min(1)
      .refine((path) => !/^([A-Za-z]:|\/)/.test(path) && !path.split(/[\\/]/).includes('..'), 'must be a path inside the challenge folder (relative, no "..")')
      .refine((path) => path.endsWith('.py'), 'must be a .py file'),
    /** The printed score that defines rank. */
    score: scoreName,
    higherIsBetter: z.boolean(),
    /** Limits of one run of the program, in the scoring job's sandbox. */
    timeLimitSeconds: z.number().int().positive().max(600).default(120),
    memoryMiB: z.number().int().min(128).max(8192).default(1024),
  })
  .strict();

export const metricSchema = z.discriminatedUnion('kind', [costMatrixMetric, simpleMetric, logLossMetric, programMetric]);

/** What a secondary score adds to its metric: the column name leaderboards show, and its decimals. */
const scoreColumn = {
  /** Shown as the column's title and used as its key in scores and exports. */
  name: scoreName,
  /** Decimal places shown; the challenge's `scorePrecision` when absent. */
  precision: z.number().int().min(0).max(12).optional(),
};

/** A further score the metric's scoring program prints, under `name`. */
const programScore = z.object({ kind: z.literal('program'), higherIsBetter: z.boolean() }).strict();

/**
 * A secondary score: any built-in metric, or (`kind: program`) one more score printed by the
 * metric's scoring program, named. Leaderboards show it next to the primary score; secondary
 * scores break ties of the primary one, in the order given, before submission time.
 */
export const secondaryMetricSchema = z.discriminatedUnion('kind', [
  costMatrixMetric.extend(scoreColumn),
  simpleMetric.extend(scoreColumn),
  logLossMetric.extend(scoreColumn),
  programScore.extend(scoreColumn),
]);

export const datasetSchema = z
  .object({
    id: identifier,
    kind: z.enum(['training', 'smoke', 'hidden']),
    title: z.string().optional(),
    /** Labels column naming each row's split (`public` or `private`); hidden datasets only. */
    splitColumn: z.string().min(1).optional(),
    /**
     * `false`: a training dataset that never leaves the organiser's account. No download route or
     * command returns it; teams reach it only from training jobs on the platform's compute.
     */
    download: z.boolean().default(true),
  })
  .strict()
  .superRefine((dataset, ctx) => {
    if (dataset.download === false && dataset.kind !== 'training') {
      ctx.addIssue({ code: 'custom', path: ['download'], message: 'is only allowed on training datasets (hidden data is never downloadable)' });
    }
    if (dataset.splitColumn && dataset.kind !== 'hidden') {
      ctx.addIssue({ code: 'custom', path: ['splitColumn'], message: 'is only allowed on hidden datasets' });
    }
  });

export const quotaSchema = z
  .object({
    perDay: z.number().int().positive().optional(),
    total: z.number().int().positive().optional(),
    concurrent: z.number().int().positive().default(1),
    countFailed: z.boolean().default(true),
  })
  .strict();

const REMOVED_LOG_SETTING =
  'was removed: logs of runs on hidden data are never shown to teams (smoke runs show the full log, organisers read every log); delete this field';

export const runtimeSchema = z
  .object({
    timeLimitSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600),
    memoryMiB: z.number().int().min(128),
    gpus: z.number().int().min(0).max(8).default(0),
    /** Where the data appears: relative to main.py (TissueNet's `data`) or absolute (VisioMel's `/code_execution/data`). */
    dataMount: z
      .string()
      .min(1)
      .refine((path) => !path.split('/').includes('..'), 'must not contain ".."'),
    outputFile: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name next to main.py')
      .default('submission.csv'),
    /**
     * Removed: no setting decides how much of a hidden-data run a team sees, because any amount
     * leaks. Teams see full logs of smoke runs and only the state and a fixed category of runs on
     * hidden data; organisers read every log through the audited admin route.
     */
    logPolicy: z.never({ error: REMOVED_LOG_SETTING }).optional(),
    logTailLines: z.never({ error: REMOVED_LOG_SETTING }).optional(),
    maxArchiveMiB: z.number().int().positive().max(20_480).default(1024),
    /**
     * The competitor environment: a Podium runtime (`podium/cpu:1`, `podium/pytorch-gpu:1`), or the
     * organiser's `{ dockerfile: path }` or `{ uri: image }`. Default: `podium/pytorch-gpu:1` when
     * `gpus` > 0, else `podium/cpu:1`. Changing it while the phase is open needs force (audit-logged).
     */
    image: runtimeImageSchema.optional(),
    /** Interpreter for submissions. Locally a path (default: Debian's python3); on AWS the runtime image. */
    python: z.string().min(1).optional(),
    /** Disk for the phase's hidden inputs on each GPU instance: the cache of its read-only mount on AWS (what runs read, least recently used evicted). */
    inputsGiB: z.number().positive().max(10_000).default(50),
  })
  .strict();

/**
 * Training jobs of a phase: a team's `train.py` on the training data, on the platform's compute,
 * charged to the team's budget by the second (shared/training/training-budget.ts). The budget is in
 * GPU-hours: a job charges `max(gpus, 1)` × its real run time, so CPU-only training (`gpus: 0`)
 * charges instance-hours from the same budget.
 */
export const trainingSchema = z
  .object({
    gpus: z.number().int().min(0).max(8).default(1),
    memoryMiB: z.number().int().min(128).max(1_048_576),
    /** One job's longest run; a job also stops when the team's remaining budget runs out. */
    timeLimitHours: z
      .number()
      .positive()
      .max(7 * 24),
    /** Each team's budget on this phase, before organiser grants. */
    budgetGpuHoursPerTeam: z.number().positive().max(100_000),
    /** What one instance-hour of the training compute costs: shown as the euro estimate of a budget. */
    instancePricePerHourEur: z.number().min(0).max(1000),
    /** Training jobs one team may have queued or running at once. */
    concurrentJobsPerTeam: z.number().int().min(1).max(16).default(1),
  })
  .strict();

export const phaseSchema = z
  .object({
    id: identifier,
    title: z.string().min(1).optional(),
    opens: utcInstant,
    closes: utcInstant,
    dataset: identifier,
    smokeDataset: identifier.optional(),
    parent: identifier.optional(),
    quota: quotaSchema,
    leaderboard: z.enum(['public', 'private-until-published']),
    /**
     * Phases whose dataset has a split column: how many of its scored submissions a team may
     * select, until the phase closes, to count on the private board, which ranks each team by the
     * best private score among its selections, or without selections among its top N by public
     * score (ties to the earlier submission). Default 2 (`DEFAULT_FINAL_SELECTIONS`) on such phases;
     * not allowed on a phase without split, which has no private board.
     */
    finalSelections: z.number().int().min(1).max(100).optional(),
    runtime: runtimeSchema,
    /** Training jobs on the platform's compute (shared/training/); absent: the phase offers none. */
    training: trainingSchema.optional(),
  })
  .strict()
  .superRefine((phase, ctx) => {
    if (Date.parse(phase.closes) <= Date.parse(phase.opens)) {
      ctx.addIssue({ code: 'custom', path: ['closes'], message: 'must be after opens' });
    }
    // Refinements run even when a field failed: an invalid image has its own issue already.
    if (phase.runtime.image !== undefined && !runtimeImageSchema.safeParse(phase.runtime.image).success) return;
    const image = phaseRuntimeImage(phase.runtime);
    if (image.kind === 'podium' && !image.runtime.lock.cuda && phase.runtime.gpus > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['runtime', 'gpus'],
        message: `must be 0 with ${image.reference}, which has no CUDA: the GPU would sit idle (use podium/pytorch-gpu:1 for GPU phases)`,
      });
    }
    // Training runs in the phase's runtime image too.
    if (image.kind === 'podium' && !image.runtime.lock.cuda && (phase.training?.gpus ?? 0) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'gpus'],
        message: `must be 0 with ${image.reference}, which has no CUDA: training runs in the phase's runtime image (use podium/pytorch-gpu:1 for GPU training)`,
      });
    }
  });

export const awsSettingsSchema = z
  .object({
    region: z.string().default('eu-west-3'),
    gpuInstanceTypes: z.array(z.string().min(1)).min(1).default(['g5.xlarge']),
    maxVcpus: z.number().int().positive().default(64),
    /** vCPUs kept running during the final window, so the final runs start without a cold start. */
    finalWarmMinVcpus: z.number().int().min(0).default(4),
    alarmEmails: z.array(z.email()).default([]),
    /** Why alarms may notify nobody; without it, an empty `alarmEmails` refuses to deploy. */
    alarmsOptOut: z.string().trim().min(1).optional(),
    /** Monthly cost (USD) of one phase stack (its compute, endpoints, logs) above which the alarm e-mails are warned. */
    phaseMonthlyBudgetUsd: z.number().positive().default(1000),
    /** Where Cognito's hosted UI may send users back after sign-in (the web app); https, or http on localhost. */
    authCallbackUrls: z
      .array(z.url().refine((url) => url.startsWith('https://') || /^http:\/\/localhost(:\d+)?\//.test(url), 'must be https, or http on localhost'))
      .default(['http://localhost:5173/auth/callback']),
    /** The hosted UI's domain, `<prefix>.auth.<region>.amazoncognito.com`; default `podium-<challenge>-<account>` (unique per account). */
    authDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and hyphens')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'may not contain aws, amazon or cognito')
      .optional(),
  })
  .strict()
  .superRefine((aws, ctx) => {
    if (aws.alarmsOptOut && aws.alarmEmails.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['alarmsOptOut'], message: 'contradicts alarmEmails: give addresses or opt out, not both' });
    }
  });

/**
 * The winners' code release (a prize condition of most health-data challenges): after `phase` is
 * published, each of its top `winners` teams uploads its code under a licence from `licences`;
 * an organiser verifies it before it is published beside the leaderboard.
 */
export const codeReleaseSchema = z
  .object({
    phase: identifier,
    winners: z.number().int().min(1).max(50).default(3),
    licences: z
      .array(
        z.enum(OPEN_SOURCE_LICENCES, {
          error: (issue) => `"${String(issue.input)}" is not an OSI-approved licence Podium knows (${OPEN_SOURCE_LICENCES.join(', ')})`,
        }),
      )
      .min(1)
      .default(['MIT', 'Apache-2.0', 'BSD-3-Clause', 'GPL-3.0-or-later']),
    maxArchiveMiB: z.number().int().min(1).max(5120).default(500),
  })
  .strict();

/** The discussion space: organiser-set categories, the edit window and each participant's posting limits. */
export const discussionSettingsSchema = z
  .object({
    categories: z
      .array(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits or "-"')
          .meta({ description: 'a category id' }),
      )
      .min(1)
      .max(20)
      .default(['general', 'data', 'submission-issues', 'announcements']),
    /** Minutes after posting during which an author may edit a post; organisers see every earlier version. */
    editWindowMinutes: z.number().int().min(0).max(10_080).default(30),
    /** Posts (topics, replies and reports) one participant may make per minute and per UTC day. */
    postsPerMinute: z.number().int().min(1).max(600).default(5),
    postsPerDay: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();

/** Who e-mails go out as: on AWS an SES v2 verified identity (docs/DEPLOY.md). */
export const notificationSettingsSchema = z
  .object({
    fromAddress: z.email().default('no-reply@podium.local'),
    /** The organisers told of each team's training-budget alerts (70, 90, 100 %), by their Podium accounts' addresses. */
    organisers: z.array(z.email()).default([]),
  })
  .strict();

/**
 * The markdown pages, paths relative to the challenge folder. `overview` (formerly `description`)
 * and `rules` are required; `data`, `evaluation` and `submissionFormat` head the web app's tabs of
 * the same names, above what the platform shows from the definition itself.
 */
export const challengePagesSchema = z
  .object({
    overview: z.string().min(1).optional(),
    /** The former name of `overview`, still read (`overview` wins when both are given). */
    description: z.string().min(1).optional(),
    rules: z.string().min(1),
    data: z.string().min(1).optional(),
    evaluation: z.string().min(1).optional(),
    submissionFormat: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((pages, ctx) => {
    if (pages.overview === undefined && pages.description === undefined) {
      ctx.addIssue({ code: 'custom', path: ['overview'], message: 'is required' });
    }
  });

/** The tab pages beyond the overview and the rules; each is optional. */
export const TAB_PAGES = ['data', 'evaluation', 'submissionFormat'] as const;
export type TabPage = (typeof TAB_PAGES)[number];

/** Each markdown page's limit: the whole definition, pages included, lives in one 400 KB table item. */
export const PAGE_MAX_BYTES = 64 * 1024;

/**
 * A question asked on joining. `text` and `country` take a line of text; `select` one of `options`;
 * `accept` a tick (required: it must be ticked, as a data-use agreement).
 */
export const registrationQuestionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a-z, 0-9 or "-" (max 40)'),
    label: z.string().trim().min(1).max(300),
    kind: z.enum(['text', 'country', 'select', 'accept']),
    required: z.boolean().default(true),
    options: z.array(z.string().trim().min(1).max(100)).min(2).max(100).optional(),
    /** Longest answer a `text` question takes, in characters. */
    maxLength: z.number().int().min(1).max(1000).default(200),
    help: z.string().max(300).optional(),
  })
  .strict()
  .superRefine((question, ctx) => {
    if (question.kind === 'select' && !question.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'is required for a select question' });
    if (question.kind !== 'select' && question.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'is only for select questions' });
  });

const challengeFileObject = z
  .object({
    id: identifier,
    title: z.string().min(1),
    pages: challengePagesSchema,
    /** Decimal places shown on leaderboards; stored scores keep full precision. */
    scorePrecision: z.number().int().min(0).max(12).default(4),
    submissionFormat: submissionFormatSchema,
    /** The primary score: it alone defines rank, up to ties. */
    metric: metricSchema,
    /** Further named scores, shown on leaderboards; they break ties of `metric`, in this order. */
    secondaryMetrics: z.array(secondaryMetricSchema).max(8).default([]),
    datasets: z.array(datasetSchema).min(1),
    phases: z.array(phaseSchema).min(1),
    teams: z
      .object({
        maxSize: z.number().int().positive().max(100),
        mergeDeadline: utcInstant.optional(),
      })
      .strict(),
    registration: z
      .object({
        approval: z.enum(['auto', 'manual']),
        allowedEmailDomains: z.array(z.string().min(1)).default([]),
        /** Asked on joining; answers are stored with the participant and shown to organisers. */
        questions: z.array(registrationQuestionSchema).max(20).default([]),
      })
      .strict()
      .superRefine((registration, ctx) => {
        const ids = new Set<string>();
        registration.questions.forEach((question, index) => {
          if (ids.has(question.id)) ctx.addIssue({ code: 'custom', path: ['questions', index, 'id'], message: `duplicates question "${question.id}"` });
          ids.add(question.id);
        });
      }),
    aws: awsSettingsSchema.prefault({}),
    codeRelease: codeReleaseSchema.optional(),
    discussion: discussionSettingsSchema.prefault({}),
    notifications: notificationSettingsSchema.prefault({}),
  })
  .strict();

export const challengeFileSchema = challengeFileObject.superRefine(checkCrossReferences);

/** Rules that span several fields: references between datasets and phases, and phase windows. */
function checkCrossReferences(file: z.output<typeof challengeFileObject>, ctx: z.RefinementCtx): void {
  const datasetsById = new Map<string, z.infer<typeof datasetSchema>>();
  file.datasets.forEach((dataset, index) => {
    if (datasetsById.has(dataset.id)) {
      ctx.addIssue({ code: 'custom', path: ['datasets', index, 'id'], message: `duplicates dataset "${dataset.id}"` });
    }
    datasetsById.set(dataset.id, dataset);
  });
  if (!file.datasets.some((dataset) => dataset.kind === 'training')) {
    ctx.addIssue({ code: 'custom', path: ['datasets'], message: 'must include a training dataset' });
  }

  const phaseIds = new Set<string>();
  file.phases.forEach((phase, index) => {
    if (phaseIds.has(phase.id)) {
      ctx.addIssue({ code: 'custom', path: ['phases', index, 'id'], message: `duplicates phase "${phase.id}"` });
    }
    phaseIds.add(phase.id);
    const scored = datasetsById.get(phase.dataset);
    if (!scored) {
      ctx.addIssue({ code: 'custom', path: ['phases', index, 'dataset'], message: `names unknown dataset "${phase.dataset}"` });
    } else if (scored.kind !== 'hidden') {
      ctx.addIssue({ code: 'custom', path: ['phases', index, 'dataset'], message: `must name a hidden dataset, "${phase.dataset}" is ${scored.kind}` });
    }
    if (phase.finalSelections !== undefined && scored && !scored.splitColumn) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', index, 'finalSelections'],
        message: `needs a dataset with a splitColumn (public/private rows); "${phase.dataset}" has none`,
      });
    }
    if (phase.smokeDataset) {
      const smoke = datasetsById.get(phase.smokeDataset);
      if (!smoke || smoke.kind !== 'smoke') {
        ctx.addIssue({ code: 'custom', path: ['phases', index, 'smokeDataset'], message: `must name a smoke dataset, got "${phase.smokeDataset}"` });
      }
    }
  });

  file.phases.forEach((phase, index) => {
    if (phase.parent !== undefined) {
      if (phase.parent === phase.id) {
        ctx.addIssue({ code: 'custom', path: ['phases', index, 'parent'], message: 'must not name the phase itself' });
      } else if (!phaseIds.has(phase.parent)) {
        ctx.addIssue({ code: 'custom', path: ['phases', index, 'parent'], message: `names unknown phase "${phase.parent}"` });
      }
    }
  });

  // Phases are successive windows: two phases open at once would make "the current phase" ambiguous.
  const windows = file.phases
    .map((phase, index) => ({ index, opens: Date.parse(phase.opens), closes: Date.parse(phase.closes), id: phase.id }))
    .sort((a, b) => a.opens - b.opens);
  for (let i = 1; i < windows.length; i++) {
    const previous = windows[i - 1]!;
    const current = windows[i]!;
    if (current.opens < previous.closes) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', current.index, 'opens'],
        message: `overlaps phase "${previous.id}", which closes at ${new Date(previous.closes).toISOString()}`,
      });
    }
  }

  // Data nobody may download is reachable only from training jobs: some phase must offer them.
  if (!file.phases.some((phase) => phase.training)) {
    file.datasets.forEach((dataset, index) => {
      if (!dataset.download) {
        const message = 'false needs a phase with `training`: training jobs are the only way teams reach data they may not download';
        ctx.addIssue({ code: 'custom', path: ['datasets', index, 'download'], message });
      }
    });
  }

  if (file.codeRelease && !phaseIds.has(file.codeRelease.phase)) {
    ctx.addIssue({ code: 'custom', path: ['codeRelease', 'phase'], message: `names unknown phase "${file.codeRelease.phase}"` });
  }

  checkMetricFits(file.metric, ['metric'], file.submissionFormat, ctx);
  const names = new Set<string>();
  file.secondaryMetrics.forEach((metric, index) => {
    checkMetricFits(metric, ['secondaryMetrics', index], file.submissionFormat, ctx);
    if (names.has(metric.name)) ctx.addIssue({ code: 'custom', path: ['secondaryMetrics', index, 'name'], message: `duplicates score "${metric.name}"` });
    names.add(metric.name);
    if (metric.kind === 'program' && file.metric.kind !== 'program') {
      const message = 'needs metric.kind program';
      ctx.addIssue({ code: 'custom', path: ['secondaryMetrics', index, 'kind'], message });
    }
    if (file.metric.kind === 'program' && metric.kind === 'program' && metric.name === file.metric.score) {
      const message = `is metric.score "${metric.name}", the primary score`;
      ctx.addIssue({ code: 'custom', path: ['secondaryMetrics', index, 'name'], message });
    }
  });
}

/** Whether a metric can score the submission format: a square cost matrix over one-hot columns, one probability column for ROC AUC and log loss. */
function checkMetricFits(metric: Metric | SecondaryMetric, path: (string | number)[], format: SubmissionFormat, ctx: z.RefinementCtx): void {
  if (metric.kind === 'cost-matrix') {
    const classes = format.columns.length;
    const square = metric.matrix.length === classes && metric.matrix.every((row) => row.length === classes);
    if (!square) {
      ctx.addIssue({ code: 'custom', path: [...path, 'matrix'], message: `must be ${classes}×${classes}, one row and column per prediction column` });
    }
    if (!format.oneHot) {
      ctx.addIssue({ code: 'custom', path: ['submissionFormat', 'oneHot'], message: 'must be true for the cost-matrix metric' });
    }
  }
  if (['roc-auc', 'log-loss'].includes(metric.kind)) {
    const only = format.columns;
    if (only.length !== 1 || only[0]!.type !== 'probability') {
      ctx.addIssue({ code: 'custom', path: [...path, 'kind'], message: `${metric.kind} needs exactly one probability column` });
    }
  }
}

export type ChallengeFile = z.infer<typeof challengeFileSchema>;
export type SubmissionFormat = z.infer<typeof submissionFormatSchema>;
export type PredictionColumn = z.infer<typeof predictionColumnSchema>;
export type Metric = z.infer<typeof metricSchema>;
export type SecondaryMetric = z.infer<typeof secondaryMetricSchema>;
export type DatasetDefinition = z.infer<typeof datasetSchema>;
export type PhaseDefinition = z.infer<typeof phaseSchema>;
export type PhaseRuntime = z.infer<typeof runtimeSchema>;
export type PhaseQuota = z.infer<typeof quotaSchema>;
export type PhaseTraining = z.infer<typeof trainingSchema>;
export type CodeReleaseSettings = z.infer<typeof codeReleaseSchema>;
export type DiscussionSettings = z.infer<typeof discussionSettingsSchema>;
export type RegistrationQuestion = z.infer<typeof registrationQuestionSchema>;

/** Final selections a team may make on a phase with a private split, when the phase does not say. */
export const DEFAULT_FINAL_SELECTIONS = 2;

/** A metric the platform computes itself (everything but an organiser's program). */
export type BuiltInMetric = Exclude<Metric, { kind: 'program' }>;
export type BuiltInSecondaryMetric = Exclude<SecondaryMetric, { kind: 'program' }>;
export type ProgramMetric = Extract<Metric, { kind: 'program' }>;

/** Whether a higher metric value ranks better: a program's scores say so in the challenge file. */
export function higherIsBetter(metric: Metric | SecondaryMetric): boolean {
  if (metric.kind === 'program') return metric.higherIsBetter;
  return !['log-loss', 'rmse', 'mae'].includes(metric.kind);
}
