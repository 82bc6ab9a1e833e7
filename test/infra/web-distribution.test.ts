import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_PATH_PATTERNS } from '../../infra/constructs/web-distribution.ts';
import { synthesisePodium } from './podium-app.ts';

let platform: Template;

beforeAll(async () => {
  const podium = await synthesisePodium();
  platform = podium.template(podium.stacks.platform);
});

const distribution = () => Object.values(platform.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;

describe('web distribution (platform stack)', () => {
  it('keeps the web app in a private, encrypted, TLS-only bucket that only this distribution reads, through origin access control', () => {
    platform.resourceCountIs('AWS::CloudFront::Distribution', 1);
    platform.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 'site-bucket/', DestinationBucketName: Match.anyValue() },
    });
    platform.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    platform.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('sends security headers on every answer: CSP without inline script, HSTS, no framing, no sniffing', () => {
    platform.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("script-src 'self';.*frame-ancestors 'none'"), Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
    const policy = Object.values(platform.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!;
    const csp = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy as string;
    expect(csp).not.toContain('unsafe');
    // The app exchanges sign-in codes at the hosted UI's token endpoint, and uploads to S3 with presigned URLs.
    expect(csp).toMatch(/connect-src 'self' .*https:\/\/\*\.s3\.eu-west-3\.amazonaws\.com.*https:\/\/\*\.auth\.eu-west-3\.amazoncognito\.com/);
  });

  it("routes the API's paths to the API on the same distribution, uncached, and everything else to the app", () => {
    const config = distribution();
    const patterns = (config.CacheBehaviors as { PathPattern: string; AllowedMethods: string[]; CachePolicyId: string }[]).map((b) => b.PathPattern);
    expect(patterns).toEqual(API_PATH_PATTERNS);
    for (const behaviour of config.CacheBehaviors as { AllowedMethods: string[]; CachePolicyId: string; ViewerProtocolPolicy: string }[]) {
      expect(behaviour.AllowedMethods).toContain('POST');
      expect(behaviour.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
      expect(behaviour.ViewerProtocolPolicy).toBe('https-only');
    }
    // The web app's own paths never collide with the API's.
    for (const path of [
      '/',
      '/c/tissuenet',
      '/c/tissuenet/discussion/t1',
      '/console/tissuenet',
      '/auth/callback',
      '/notifications',
      '/notifications/settings',
    ]) {
      expect(API_PATH_PATTERNS.some((pattern) => new RegExp(`^${pattern.replaceAll('.', '\\.').replace('*', '.*')}$`).test(path))).toBe(false);
    }
    expect(config.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', Compress: true });
    expect(config.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    // No distribution-wide error responses: they would turn the API's JSON errors into index.html.
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
  });

  it('rewrites app paths to index.html in a viewer-request function, leaving files alone', () => {
    const fn = Object.values(platform.findResources('AWS::CloudFront::Function'))[0]!;
    const code = fn.Properties.FunctionCode as string;
    const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
    expect(handler({ request: { uri: '/c/tissuenet/leaderboard' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/assets/index-abc.js' } }).uri).toBe('/assets/index-abc.js');
    expect(handler({ request: { uri: '/web-config.json' } }).uri).toBe('/web-config.json');
  });

  it('deploys the build with its web-config.json naming the hosted UI and the app client, and outputs the URL', () => {
    platform.resourceCountIs('Custom::CDKBucketDeployment', 1);
    const deployment = Object.values(platform.findResources('Custom::CDKBucketDeployment'))[0]!;
    // web-config.json's deploy-time values (the app client, the hosted UI domain) are markers the handler fills in.
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    expect(markers).toMatch(/AppClient/);
    expect(markers).toMatch(/HostedUi/);
    expect(deployment.Properties.Prune).toBe(true);
    expect(deployment.Properties.DistributionPaths).toEqual(['/index.html', '/web-config.json']);
    platform.hasOutput('WebUrl', {});
  });
});
