// Work a request starts but does not wait for: e-mails above all.
//
// Decision: a form that takes an e-mail address answers before it looks the address up, and does the
// looking up, the token and the e-mail here, once the answer has been sent. Whether an account exists
// then changes nothing the asker can measure: the answer, its status and its time are the same (issue 9,
// "no account enumeration by message or by time"). Started only after the response, not merely without
// awaiting it: work running beside the response would still slow it down, by a measurable amount, only
// when there is an account. In-process rather than a queue in PostgreSQL: these tasks take milliseconds,
// are safe to lose in a crash (the person asks again), and the app finishes them before it closes.

export interface BackgroundLog {
  error(obj: object, msg: string): void;
}

export interface BackgroundTasks {
  /**
   * Runs `task` once `key` is released (see `release`); a failure is logged under `name`, never thrown at
   * the caller. The key is the caller's audit context: a route's is released when its answer has been
   * sent (app.ts), a job or a command releases its own when it is done, and closing the app releases all.
   */
  afterResponse(key: object, name: string, task: () => Promise<void>): void;
  /** The answer to `key`'s request has been sent (or never will be, or there is none): its tasks start. */
  release(key: object): void;
  /** Starts every task still waiting for its answer (on close, when no answer is left to wait for). */
  releaseAll(): void;
  /** Resolves once every task held or started so far, and any they started, has finished. */
  drain(): Promise<void>;
}

export function createBackgroundTasks(log: BackgroundLog): BackgroundTasks {
  const waiting = new Map<object, Array<{ name: string; task: () => Promise<void> }>>();
  const running = new Set<Promise<void>>();

  function start(name: string, task: () => Promise<void>) {
    const promise: Promise<void> = Promise.resolve()
      .then(task)
      .catch((error: unknown) => log.error({ err: error, task: name }, 'a background task failed'))
      .finally(() => running.delete(promise));
    running.add(promise);
  }

  const tasks: BackgroundTasks = {
    afterResponse(key, name, task) {
      const list = waiting.get(key) ?? [];
      list.push({ name, task });
      waiting.set(key, list);
    },
    release(key) {
      const list = waiting.get(key);
      if (!list) return;
      waiting.delete(key);
      // On the next turn of the event loop: the answer's last bytes leave before any of this work runs.
      const ready = new Promise<void>((resolve) => setImmediate(resolve));
      for (const { name, task } of list) start(name, () => ready.then(task));
    },
    releaseAll() {
      for (const key of [...waiting.keys()]) tasks.release(key);
    },
    async drain() {
      // Tasks held for an answer still being sent start in a moment: wait for them as well.
      for (let idle = 0; running.size > 0 || (waiting.size > 0 && idle < 1_000); ) {
        if (running.size > 0) {
          idle = 0;
          await Promise.allSettled([...running]);
        } else {
          idle += 1;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    },
  };
  return tasks;
}
