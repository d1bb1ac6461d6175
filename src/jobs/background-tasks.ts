// Work a request starts but does not wait for: e-mails above all.
//
// Decision: a form that takes an e-mail address answers before it looks the address up, and does the
// looking up, the token and the e-mail here, after the answer. Whether an account exists then changes
// nothing the asker can measure: the answer, its status and its time are the same (issue 9, "no account
// enumeration by message or by time"). In-process rather than a queue in PostgreSQL: these tasks take
// milliseconds, are safe to lose in a crash (the person asks again) and the app waits for them on close.

export interface BackgroundLog {
  error(obj: object, msg: string): void;
}

export interface BackgroundTasks {
  /** Starts `task` without waiting for it; a failure is logged under `name`, never thrown at the caller. */
  run(name: string, task: () => Promise<void>): void;
  /** Resolves once every task started so far (and any they started) has finished: on close, and in tests. */
  drain(): Promise<void>;
}

export function createBackgroundTasks(log: BackgroundLog): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(name, task) {
      const promise: Promise<void> = Promise.resolve()
        .then(task)
        .catch((error: unknown) => log.error({ err: error, task: name }, 'a background task failed'))
        .finally(() => running.delete(promise));
      running.add(promise);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
