/**
 * Which run the side view follows. Two things ask for a run: the Runs view's selection (the user) and the
 * jobs (a run starting or ending). The newest request wins:
 * - selecting a run follows it, running or not (selection wins);
 * - clearing the selection follows the newest running run, if any (else keeps what is shown);
 * - a run starting follows it (what was selected has finished, or it would be the running one);
 * - the followed run finishing while another runs follows that one; when none runs, the finished run
 *   stays (its final state is what the user wants to see).
 * No `vscode` import (unit-tested in node).
 */
export class FollowPolicy {
  private followed: string | undefined;
  private running: string[] = [];

  /** The run folder followed now (undefined: none). */
  get current(): string | undefined {
    return this.followed;
  }

  /** The Runs view selection changed (undefined: nothing, or not a run, selected). Returns the run to follow. */
  select(dir: string | undefined): string | undefined {
    this.followed = dir ?? this.running[this.running.length - 1] ?? this.followed;
    return this.followed;
  }

  /** The running runs now, oldest first. Returns the run to follow. */
  setRunning(dirs: readonly string[]): string | undefined {
    const before = this.running;
    this.running = [...dirs];
    const started = dirs.filter((d) => !before.includes(d));
    if (started.length) this.followed = started[started.length - 1];
    else if (this.followed !== undefined && !dirs.includes(this.followed) && before.includes(this.followed) && dirs.length)
      this.followed = dirs[dirs.length - 1];
    else if (this.followed === undefined && dirs.length) this.followed = dirs[dirs.length - 1];
    return this.followed;
  }
}
