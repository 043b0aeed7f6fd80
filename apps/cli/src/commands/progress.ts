import type { Progress } from '../local-services/local-service';

/** Progress lines on stderr, so stdout stays clean for --json and pipes. */
export function consoleProgress(quiet = false): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  return {
    step: (message) => {
      if (!quiet) process.stderr.write(`${stamp()}  ${message}\n`);
    },
    notice: (message) => process.stderr.write(`${stamp()}  NOTICE ${message}\n`),
  };
}
