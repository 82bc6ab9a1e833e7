import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthesisePodium } from './podium-app.ts';

describe('cdk-nag (AwsSolutions pack)', () => {
  it('finds nothing unacknowledged in the tissuenet deployment', async () => {
    // synthesisePodium throws on any unacknowledged finding; the report confirms none was left.
    const { outdir } = await synthesisePodium();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const open = report.pluginReports.flatMap((plugin: { violations: unknown[] }) => plugin.violations);
    expect(open).toEqual([]);
  });

  it('fails synthesis when a finding is not acknowledged (the pack is really running)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Bucket(new Stack(app, 'Unreviewed'), 'NoLogsNoTls');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
