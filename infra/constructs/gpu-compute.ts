import { Duration } from 'aws-cdk-lib';
import {
  AllocationStrategy,
  EcsMachineImageType,
  FairshareSchedulingPolicy,
  JobQueue,
  ManagedEc2EcsComputeEnvironment,
} from 'aws-cdk-lib/aws-batch';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  type ISecurityGroup,
  type IVpc,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { acknowledge } from '../nag.ts';

export interface GpuComputeProps {
  challengeId: string;
  phaseId: string;
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  gpuInstanceTypes: string[];
  maxVcpus: number;
  /** Spot for learning phases (cheap, interruptible, retried); on-demand for the final phase. */
  spot: boolean;
  /** vCPUs kept running (the final window's warm pool); 0 scales to zero when idle. */
  minVcpus: number;
}

/** vCPU ceiling of the CPU-only scoring capacity: scoring reads a CSV and writes a few items. */
const SCORING_MAX_VCPUS = 16;

/**
 * A phase's compute: GPU instances for inference and small CPU instances for scoring, both in the
 * isolated subnets under one launch template, behind one job queue with fair-share scheduling.
 */
export class GpuCompute extends Construct {
  readonly jobQueue: JobQueue;
  readonly schedulingPolicy: FairshareSchedulingPolicy;
  readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: GpuComputeProps) {
    super(scope, id);
    const { challengeId, phaseId } = props;

    // IMDSv2 only, and a hop limit of 1: a container's packets cross the Docker bridge (one hop)
    // and so never get a token; the instance role stays with the host and the ECS agent.
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      httpEndpoint: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          // Whole-slide images are large: room for the images, the staged inputs and the workspace.
          volume: BlockDeviceVolume.ebs(200, { volumeType: EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
        },
      ],
    });

    const common = {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      launchTemplate: this.launchTemplate,
      useOptimalInstanceClasses: false,
      updateToLatestImageVersion: true,
      replaceComputeEnvironment: false,
    };

    const scoring = new ManagedEc2EcsComputeEnvironment(this, 'ScoringCompute', {
      ...common,
      instanceTypes: [new InstanceType('m6i.large'), new InstanceType('m6i.xlarge')],
      images: [{ imageType: EcsMachineImageType.ECS_AL2023 }],
      allocationStrategy: AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: 0,
      maxvCpus: SCORING_MAX_VCPUS,
    });
    const gpu = new ManagedEc2EcsComputeEnvironment(this, 'GpuCompute', {
      ...common,
      instanceTypes: props.gpuInstanceTypes.map((type) => new InstanceType(type)),
      images: [{ imageType: EcsMachineImageType.ECS_AL2023_NVIDIA }],
      spot: props.spot,
      allocationStrategy: props.spot ? AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: props.minVcpus,
      maxvCpus: props.maxVcpus,
    });
    for (const environment of [scoring, gpu]) {
      acknowledge(
        environment.instanceRole!,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        'The ECS agent on Batch instances needs exactly this AWS managed policy; jobs never see it (IMDS hop limit 1).',
      );
    }

    // One share per team (the jobs' share identifier). Usage decays over an hour, and a quarter of
    // capacity is held back for teams with nothing queued yet, so a team with a backlog cannot
    // starve a team that submits its first run.
    this.schedulingPolicy = new FairshareSchedulingPolicy(this, 'FairShare', {
      schedulingPolicyName: batchNames.schedulingPolicy(challengeId, phaseId),
      shareDecay: Duration.hours(1),
      computeReservation: 25,
      shares: [],
    });

    // Scoring (CPU) is offered to the CPU environment first; GPU jobs only fit the GPU one.
    this.jobQueue = new JobQueue(this, 'JobQueue', {
      jobQueueName: batchNames.jobQueue(challengeId, phaseId),
      priority: 1,
      schedulingPolicy: this.schedulingPolicy,
      computeEnvironments: [
        { computeEnvironment: scoring, order: 1 },
        { computeEnvironment: gpu, order: 2 },
      ],
    });
  }
}
