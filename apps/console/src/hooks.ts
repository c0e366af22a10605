import { useEffect, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Loads `load()` when `deps` change, and again every `refreshMs` (a number, or a function of the
 * data: undefined stops refreshing, e.g. once a campaign has finished). Stale answers are dropped.
 */
export function useData<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs?: number | ((data: T) => number | undefined)): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));
    const run = async () => {
      try {
        const data = await load(controller.signal);
        if (controller.signal.aborted) return;
        setState({ data, loading: false });
        const ms = typeof refreshMs === "function" ? refreshMs(data) : refreshMs;
        if (ms) timer = setTimeout(run, ms);
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, error: messageOf(error), loading: false }));
        if (refreshMs) timer = setTimeout(run, 5000);
      }
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setTick((t) => t + 1) };
}
