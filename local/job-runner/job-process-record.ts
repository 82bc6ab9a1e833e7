import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The process group of every job a local runner has running, kept in a file under the local data
 * folder, so a runner started after a crash (kill -9 of `npm start`) can find and kill what the old
 * one left running: an orphaned attempt would otherwise run on beside its retry.
 */
export class JobProcessRecord {
  private readonly groups = new Map<string, number>();

  constructor(private readonly file: string) {}

  /**
   * SIGKILLs the groups a previous runner recorded that still run, then starts an empty record.
   * A group whose leader is alive is killed only if that leader is still the recorded job (its
   * AWS_BATCH_JOB_ID); a group whose leader is gone still has members, so its id was not reused.
   */
  killLeftovers(log: (line: string) => void = () => {}): string[] {
    let recorded: Record<string, number> = {};
    try {
      recorded = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, number>;
    } catch {
      // No record (first start) or a torn one: nothing to kill.
    }
    const killed: string[] = [];
    for (const [jobId, processGroup] of Object.entries(recorded)) {
      if (!Number.isInteger(processGroup) || processGroup <= 1 || !isSameJob(processGroup, jobId)) continue;
      try {
        process.kill(-processGroup, 'SIGKILL');
        killed.push(jobId);
        log(`killed job ${jobId} (process group ${processGroup}) left running by a previous runner`);
      } catch {
        // Gone meanwhile.
      }
    }
    this.save();
    return killed;
  }

  add(jobId: string, processGroup: number): void {
    this.groups.set(jobId, processGroup);
    this.save();
  }

  remove(jobId: string): void {
    if (this.groups.delete(jobId)) this.save();
  }

  private save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.groups)));
    renameSync(temporary, this.file);
  }
}

function isSameJob(processGroup: number, jobId: string): boolean {
  let environ: string | undefined;
  try {
    environ = readFileSync(`/proc/${processGroup}/environ`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false; // alive but unreadable: not ours to kill
  }
  if (environ !== undefined) return environ.split('\0').includes(`AWS_BATCH_JOB_ID=${jobId}`);
  return groupMembers(processGroup) > 0;
}

function groupMembers(processGroup: number): number {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === processGroup) count++;
    } catch {
      // Exited while listing.
    }
  }
  return count;
}
