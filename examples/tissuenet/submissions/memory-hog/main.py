"""Expected: FAILED OUT_OF_MEMORY — three processes that each stay under the phase's memory limit
(3 GiB of 4 GiB) but together hold far more. The limit is per run, not per process: every process
of the run and every RAM disk it writes count together."""
import multiprocessing
import time

CHUNK = 256 * 1024 * 1024


def hold(gib: int) -> None:
    held = []
    for _ in range(gib * 4):
        block = bytearray(CHUNK)
        block[::4096] = b"x" * len(block[::4096])  # touch every page so it is really resident
        held.append(block)
        time.sleep(0.05)
    time.sleep(60)


if __name__ == "__main__":
    workers = [multiprocessing.Process(target=hold, args=(3,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print("all three held 3 GiB each")
