import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeAll } from '../nag.ts';
import { PrivateBucket } from './private-bucket.ts';

/**
 * The API's top-level paths, routed to the API on the same distribution, so the web app calls it
 * on its own origin (no CORS). The web app's own paths (`/`, `/c/…`, `/console/…`, `/auth/…`, `/notifications`, `/notifications/settings`)
 * never start with one of these.
 */
export const API_PATH_PATTERNS = [
  '/challenges',
  '/challenges/*',
  '/me',
  // The caller's notifications, preferences and personal data (`/me/notifications`, …).
  '/me/*',
  '/admin/*',
  '/submissions/*',
  // The link in every e-mail; the app's own `/notifications` pages are beside it, not under it.
  '/notifications/unsubscribe',
  '/health',
  '/openapi.json',
  '/docs',
  '/docs/*',
  '/.well-known/*',
];

/**
 * Serves a path without a file extension (`/c/tissuenet/leaderboard`) the app's index.html, where
 * its router takes over. A viewer-request function rather than the distribution's error responses,
 * which would also turn the API's own JSON 404s and 403s into HTML.
 */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/** The app's CSP: its own scripts and styles only; API and storage calls to its origin and S3. */
const contentSecurityPolicy = (region: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // Presigned downloads and uploads go straight to the buckets' endpoints; tokens come from the hosted UI's domain.
    `connect-src 'self' https://*.s3.${region}.amazonaws.com https://s3.${region}.amazonaws.com https://*.s3.amazonaws.com ` +
      `https://*.auth.${region}.amazoncognito.com`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

export interface WebDistributionProps {
  api: HttpApi;
  /** The built web app (`npm run build:web`). */
  webDist: string;
  /** Written as `/web-config.json`: the hosted UI's endpoints and the app client. */
  webConfig: Record<string, unknown>;
}

/**
 * The web app on AWS: its files in a private bucket read by CloudFront through origin access
 * control, security headers on every answer, and the API behind the same distribution.
 */
export class WebDistribution extends Construct {
  readonly distribution: Distribution;
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebDistributionProps) {
    super(scope, id);
    if (!existsSync(join(props.webDist, 'index.html'))) {
      throw new Error(`${props.webDist} has no built web app: run \`npm run build:web\` first (npm run synth and deploy do)`);
    }
    const region = Stack.of(this).region;
    // CloudFront standard logs need ACLs on their bucket; the site bucket's access logs go here too.
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(logs, 'AwsSolutions-S1', 'This is the log bucket of the web distribution; logging it into itself would loop.');
    const site = new PrivateBucket(this, 'Site', { accessLogs: logs, accessLogsPrefix: 'site-bucket/' });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Podium web app: CSP, HSTS, no framing, no sniffing',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(region), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      code: FunctionCode.fromInline(SPA_REWRITE),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves index.html for the web app paths',
    });
    const apiDomain = `${props.api.apiId}.execute-api.${region}.amazonaws.com`;
    const apiBehaviour: BehaviorOptions = {
      origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      // The API decides caching (leaderboards: ETag and max-age=30); bearer tokens and If-None-Match pass through.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Podium web app and API',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehaviour])),
    });
    acknowledgeAll(
      this.distribution,
      ['AwsSolutions-CFR1', 'AwsSolutions-CFR2'],
      'Competitors take part from any country, and the API throttles per stage; organisers add geo restrictions or AWS WAF for their deployment.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate fixes the viewer policy at TLSv1; a custom domain with its ACM certificate and ' +
        'TLSv1.2_2021 removes it (docs/DEPLOY.md).',
    );
    this.url = `https://${this.distribution.distributionDomainName}`;

    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: site,
      sources: [Source.asset(props.webDist, { exclude: ['.source-digest', '.vite/**'] }), Source.jsonData('web-config.json', props.webConfig)],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/web-config.json'],
      prune: true,
      memoryLimit: 512,
    });
    acknowledgeDeploymentHandler(this, deployment, site);
  }
}

/** CDK's own singleton Lambda that copies the build into the bucket at deploy time (one per stack). */
function acknowledgeDeploymentHandler(scope: Construct, deployment: BucketDeployment, site: PrivateBucket) {
  const stack = Stack.of(scope);
  const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) return;
  const siteArn = `<${stack.getLogicalId(site.node.defaultChild as CfnBucket)}.Arn>/*`;
  acknowledgeAll(
    handler,
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => `AwsSolutions-IAM5[Action::${action}]`),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${stack.region}/*]`,
      `AwsSolutions-IAM5[Resource::${siteArn}]`,
      // cloudfront:CreateInvalidation and GetInvalidation take no resource narrower than the account.
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ],
    `CDK's BucketDeployment handler (${deployment.node.path}): it copies the web build from the CDK asset bucket into the site bucket, ` +
      'prunes old files and invalidates the distribution, with the grants CDK generates for that; its runtime is chosen by CDK.',
  );
}
