import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * How long audit evidence (job logs, VPC flow logs) is kept, even after the stack that wrote it is
 * destroyed. Who ran what on health data must stay traceable after a challenge ends (the CNIL
 * recommends keeping access traces six months to a year); a challenge runs for months and its
 * audit can come after it closes, so two years covers the challenge plus a year.
 */
export const AUDIT_LOG_RETENTION = RetentionDays.TWO_YEARS;
