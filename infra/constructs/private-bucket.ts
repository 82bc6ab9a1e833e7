import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type BucketProps, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface PrivateBucketProps extends Pick<BucketProps, 'versioned' | 'lifecycleRules' | 'cors'> {
  /** Where S3 server access logs go (`<bucket purpose>/` prefix). */
  accessLogs: IBucket;
  accessLogsPrefix: string;
}

/**
 * A Podium data bucket: no public access, TLS only, encrypted at rest, access-logged, retained
 * when its stack is deleted. Every bucket holding challenge data is one of these.
 */
export class PrivateBucket extends Bucket {
  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id, {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: props.accessLogsPrefix,
      versioned: props.versioned,
      cors: props.cors,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(2) }, ...(props.lifecycleRules ?? [])],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
