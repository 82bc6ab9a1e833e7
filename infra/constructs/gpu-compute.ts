import { Duration, Stack } from 'aws-cdk-lib';
import {
  AllocationStrategy,
  CfnComputeEnvironment,
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
  MultipartBody,
  MultipartUserData,
  UserData,
  type ISecurityGroup,
  type IVpc,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { acknowledge } from '../nag.ts';
import { grantMountRead, mountCommands, type HiddenInputsMount } from './hidden-inputs-mount.ts';

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
  /** Root volume of a GPU instance: the OS, the images and the work disk of every job it can hold. */
  instanceVolumeGiB: number;
  /** Tags on every instance and volume launched (cost allocation). */
  instanceTags: Record<string, string>;
  /** The phase's hidden inputs, mounted read-only on every GPU instance (its instance role reads them). */
  hiddenInputs: HiddenInputsMount;
  /** The phase offers training jobs (`phases[].training`): they get a queue of their own on the GPU instances. */
  training?: boolean;
}

/** vCPU ceiling of the CPU-only scoring capacity: scoring reads a CSV and writes a few items. */
const SCORING_MAX_VCPUS = 16;
/** How long the ECS agent keeps a stopped job's containers and volumes (ECS's default is 3h). */
export const TASK_CLEANUP_WAIT = '5m';
/** Scoring instances hold the OS, the scoring image and predictions files: the AMI's 30 GiB and some room. */
const SCORING_VOLUME_GIB = 40;

/**
 * IMDSv2 only, and a hop limit of 1: a container's packets cross the Docker bridge (one hop) and
 * so never get a token; the instance role stays with the host and the ECS agent. The job's work
 * volumes are Docker volumes on this root volume (AL2023 ECS AMIs keep /var/lib/docker there).
 */
function launchTemplate(scope: Construct, id: string, volumeGiB: number, hostCommands: string[] = []): LaunchTemplate {
  // A finished job's work volume goes when the ECS agent cleans its task up, after 3 h by default:
  // a run killed for time or memory (which leaves its staged inputs behind) must not hold the
  // disk the next job on the instance was sized for. Batch takes user data as MIME multipart only.
  const userData = new MultipartUserData();
  const agentConfig = UserData.forLinux();
  agentConfig.addCommands(`echo ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=${TASK_CLEANUP_WAIT} >> /etc/ecs/ecs.config`);
  userData.addUserDataPart(agentConfig, MultipartBody.SHELL_SCRIPT, true);
  if (hostCommands.length > 0) {
    const host = UserData.forLinux();
    host.addCommands('set -eu', ...hostCommands);
    userData.addUserDataPart(host, MultipartBody.SHELL_SCRIPT, true);
  }
  return new LaunchTemplate(scope, id, {
    userData,
    requireImdsv2: true,
    httpTokens: LaunchTemplateHttpTokens.REQUIRED,
    httpPutResponseHopLimit: 1,
    httpEndpoint: true,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: BlockDeviceVolume.ebs(volumeGiB, { volumeType: EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
      },
    ],
  });
}

/**
 * A phase's compute: GPU instances for inference and small CPU instances for scoring, both in the
 * isolated subnets, each under a launch template sized for its jobs, behind one job queue with
 * fair-share scheduling.
 */
export class GpuCompute extends Construct {
  readonly jobQueue: JobQueue;
  readonly schedulingPolicy: FairshareSchedulingPolicy;
  /** The GPU instances' launch template (scoring instances have their own, smaller one). */
  readonly launchTemplate: LaunchTemplate;
  readonly computeEnvironments: ManagedEc2EcsComputeEnvironment[];
  /** Training jobs' queue, on the GPU instances only, with its own fair share across teams; absent when the phase offers no training. */
  readonly trainingQueue?: JobQueue;

  constructor(scope: Construct, id: string, props: GpuComputeProps) {
    super(scope, id);
    const { challengeId, phaseId } = props;

    this.launchTemplate = launchTemplate(this, 'LaunchTemplate', props.instanceVolumeGiB, mountCommands(props.hiddenInputs, Stack.of(this).region));
    const scoringTemplate = launchTemplate(this, 'ScoringLaunchTemplate', SCORING_VOLUME_GIB);

    const common = {
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      useOptimalInstanceClasses: false,
      updateToLatestImageVersion: true,
      replaceComputeEnvironment: false,
    };

    const scoring = new ManagedEc2EcsComputeEnvironment(this, 'ScoringCompute', {
      ...common,
      launchTemplate: scoringTemplate,
      instanceTypes: [new InstanceType('m6i.large'), new InstanceType('m6i.xlarge')],
      images: [{ imageType: EcsMachineImageType.ECS_AL2023 }],
      allocationStrategy: AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: 0,
      maxvCpus: SCORING_MAX_VCPUS,
    });
    const gpu = new ManagedEc2EcsComputeEnvironment(this, 'GpuCompute', {
      ...common,
      launchTemplate: this.launchTemplate,
      instanceTypes: props.gpuInstanceTypes.map((type) => new InstanceType(type)),
      images: [{ imageType: EcsMachineImageType.ECS_AL2023_NVIDIA }],
      spot: props.spot,
      allocationStrategy: props.spot ? AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: props.minVcpus,
      maxvCpus: props.maxVcpus,
    });
    this.computeEnvironments = [scoring, gpu];
    // The GPU instances' role serves the mount; scoring instances never see hidden inputs.
    grantMountRead(gpu.instanceRole!, props.hiddenInputs);
    for (const environment of [scoring, gpu]) {
      // Batch puts these on the instances it launches: what the phase's cost budget filters on.
      (environment.node.defaultChild as CfnComputeEnvironment).addPropertyOverride('ComputeResources.Tags', props.instanceTags);
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

    if (props.training) {
      // Its own queue, so hours of training never wait in line before (or ahead of) a submission's
      // run; a lower priority, so on shared instances Batch places inference first. Its own policy:
      // one share per team again, and a team that trained all afternoon yields to one starting now.
      const trainingShares = new FairshareSchedulingPolicy(this, 'TrainingFairShare', {
        schedulingPolicyName: batchNames.trainingSchedulingPolicy(challengeId, phaseId),
        shareDecay: Duration.hours(4),
        computeReservation: 25,
        shares: [],
      });
      this.trainingQueue = new JobQueue(this, 'TrainingQueue', {
        jobQueueName: batchNames.trainingJobQueue(challengeId, phaseId),
        priority: 0,
        schedulingPolicy: trainingShares,
        computeEnvironments: [{ computeEnvironment: gpu, order: 1 }],
      });
    }
  }
}
