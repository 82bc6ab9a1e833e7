import { toCsv } from '../exports/csv.ts';
import type { RerunRequestRecord } from './rerun-request.ts';

/** One row per team for the scientific committee: verdict, predictions' agreement, both scores, why a rerun failed. */
export function rerunReportCsv(request: RerunRequestRecord): string {
  const header = [
    'rank',
    'team_id',
    'team_name',
    'submission_id',
    'verdict',
    'predictions',
    'differing_rows',
    'rows',
    'max_abs_difference',
    `original_${request.split}_score`,
    `rerun_${request.split}_score`,
    'score_difference',
    'tolerance',
    'note',
  ];
  const rows = (request.results ?? []).map((result) => {
    const predictions = result.predictions;
    const counted = 'rows' in predictions ? predictions : undefined;
    return [
      result.rank,
      result.teamId,
      result.teamName ?? '',
      result.submissionId,
      result.verdict,
      predictions.agreement,
      counted?.differingRows,
      counted?.rows,
      counted?.maxAbsDifference,
      result.originalScore,
      result.rerunScore,
      result.scoreDifference,
      request.tolerance,
      result.failure ?? predictions.note ?? '',
    ];
  });
  return toCsv(header, rows);
}
