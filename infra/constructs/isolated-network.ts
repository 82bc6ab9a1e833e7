import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  type GatewayVpcEndpoint,
} from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnFirewallDomainList, CfnFirewallRuleGroup, CfnFirewallRuleGroupAssociation } from 'aws-cdk-lib/aws-route53resolver';
import { Construct } from 'constructs';
import { AUDIT_LOG_RETENTION } from '../audit-retention.ts';
import { acknowledge } from '../nag.ts';

export interface IsolatedNetworkProps {
  /** S3 object ARNs (`arn:…:bucket/*`) and bucket ARNs jobs may reach through the S3 endpoint. */
  s3Resources: string[];
  /** Table ARN jobs may reach through the DynamoDB endpoint (its indexes are added). */
  tableArn: string;
  /** The mail queue the rescore job queues e-mails on: the SQS endpoint admits sqs:SendMessage to it alone. */
  mailQueueArn: string;
  /** The receipt-signing key the scoring job signs with: the KMS endpoint admits kms:Sign and kms:GetPublicKey on it alone. */
  receiptKeyArn: string;
}

/**
 * Where jobs run: isolated subnets with no route to the internet (no NAT, no internet gateway),
 * reaching AWS only through VPC endpoints whose policies admit this account's principals and
 * Podium's buckets and table, and a DNS firewall that answers NXDOMAIN for any name outside
 * amazonaws.com. Competitor code therefore has no exfiltration path: not by IP, not through an
 * endpoint with credentials of its own, not by DNS tunnelling.
 */
export class IsolatedNetwork extends Construct {
  readonly vpc: Vpc;
  /** For the job instances: egress to the endpoints only, no ingress. */
  readonly jobsSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: IsolatedNetworkProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      createInternetGateway: false,
      subnetConfiguration: [{ name: 'jobs', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        rejected: {
          destination: FlowLogDestination.toCloudWatchLogs(
            // Evidence of what the jobs tried to reach: kept when the phase stack is destroyed.
            new LogGroup(this, 'FlowLogs', { retention: AUDIT_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN }),
          ),
        },
      },
    });

    const s3 = this.vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    // ECR stores image layers in an AWS-owned bucket; without it no image can be pulled.
    const ecrLayers = `arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`;
    allowOnly(s3, new PolicyStatement({ principals: [new AnyPrincipal()], actions: ['s3:*'], resources: [...props.s3Resources, ecrLayers] }));
    // The AL2023 package repository (an AWS-owned bucket), read-only: the GPU instances install
    // Mountpoint for Amazon S3 from it at boot (hidden-inputs-mount.ts). Public packages: nothing to exfiltrate into.
    s3.addToPolicy(
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::${al2023Repository(stack.region)}/*`],
      }),
    );
    const dynamodb = this.vpc.addGatewayEndpoint('DynamoDB', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    allowOnly(
      dynamodb,
      new PolicyStatement({ principals: [new AnyPrincipal()], actions: ['dynamodb:*'], resources: [props.tableArn, `${props.tableArn}/index/*`] }),
    );

    const endpointsSecurityGroup = new SecurityGroup(this, 'EndpointsSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    endpointsSecurityGroup.addIngressRule(Peer.ipv4(this.vpc.vpcCidrBlock), Port.tcp(443), 'HTTPS from the job instances');
    acknowledge(
      endpointsSecurityGroup,
      'AwsSolutions-EC23',
      'Ingress is the VPC’s own CIDR (a token at synth, so the rule cannot read it), never ' + '0.0.0.0/0.',
    );

    // ECR (image pulls), CloudWatch Logs (job logs) and ECS (the agent Batch runs on every instance).
    const interfaceServices = {
      EcrApi: InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      Ecs: InterfaceVpcEndpointAwsService.ECS,
      EcsAgent: InterfaceVpcEndpointAwsService.ECS_AGENT,
      EcsTelemetry: InterfaceVpcEndpointAwsService.ECS_TELEMETRY,
    };
    for (const [name, service] of Object.entries(interfaceServices)) {
      const endpoint = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        securityGroups: [endpointsSecurityGroup],
        open: false,
      });
      // Only this account's principals: credentials smuggled in from another account are refused.
      endpoint.addToPolicy(
        new PolicyStatement({
          principals: [new AnyPrincipal()],
          actions: ['*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:PrincipalAccount': stack.account } },
        }),
      );
    }

    // SQS: the rescore job queues its e-mails (bindJobMailQueue). Sending to the mail queue only, so
    // the endpoint carries nothing out to another queue, even with this account's credentials.
    const sqs = this.vpc.addInterfaceEndpoint('Sqs', {
      service: InterfaceVpcEndpointAwsService.SQS,
      privateDnsEnabled: true,
      securityGroups: [endpointsSecurityGroup],
      open: false,
    });
    sqs.addToPolicy(
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [props.mailQueueArn],
        conditions: { StringEquals: { 'aws:PrincipalAccount': stack.account } },
      }),
    );

    // KMS: the scoring job signs receipts (bindReceiptSigner). That key and those two actions only:
    // no other key can be used or decrypted through the endpoint. (S3 calls KMS itself for the labels.)
    const kms = this.vpc.addInterfaceEndpoint('Kms', {
      service: InterfaceVpcEndpointAwsService.KMS,
      privateDnsEnabled: true,
      securityGroups: [endpointsSecurityGroup],
      open: false,
    });
    kms.addToPolicy(
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['kms:Sign', 'kms:GetPublicKey'],
        resources: [props.receiptKeyArn],
        conditions: { StringEquals: { 'aws:PrincipalAccount': stack.account } },
      }),
    );

    this.jobsSecurityGroup = new SecurityGroup(this, 'JobsSecurityGroup', {
      vpc: this.vpc,
      description: 'Batch job instances: no ingress; HTTPS egress, which only VPC endpoints can answer',
      allowAllOutbound: false,
    });
    // The route tables hold only the local route and the gateway endpoints, so 443 reaches AWS
    // endpoints and nothing else; the prefix lists of the gateway endpoints are not known at synth.
    this.jobsSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to VPC endpoints (no internet route exists)');

    this.addDnsFirewall();
  }

  /** Resolve AWS service names (and the VPC's own) only: DNS cannot carry data out. */
  private addDnsFirewall(): void {
    const allowed = new CfnFirewallDomainList(this, 'AwsDomains', {
      domains: ['amazonaws.com.', '*.amazonaws.com.', '*.compute.internal.', '*.ec2.internal.'],
    });
    const everything = new CfnFirewallDomainList(this, 'AllDomains', { domains: ['*.'] });
    const rules = new CfnFirewallRuleGroup(this, 'DnsRules', {
      firewallRules: [
        { firewallDomainListId: allowed.attrId, priority: 100, action: 'ALLOW' },
        { firewallDomainListId: everything.attrId, priority: 200, action: 'BLOCK', blockResponse: 'NXDOMAIN' },
      ],
    });
    new CfnFirewallRuleGroupAssociation(this, 'DnsRulesAssociation', {
      firewallRuleGroupId: rules.attrId,
      vpcId: this.vpc.vpcId,
      priority: 101,
      mutationProtection: 'DISABLED',
    });
  }
}

/** The bucket AL2023's dnf repositories are served from in a region (what `dnf repolist -v` shows). */
export const al2023Repository = (region: string) => `al2023-repos-${region}-de612dc2`;

function allowOnly(endpoint: GatewayVpcEndpoint, statement: PolicyStatement): void {
  endpoint.addToPolicy(statement);
}
