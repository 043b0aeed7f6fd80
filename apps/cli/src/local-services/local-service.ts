/** What `ctxb services status` knows about one local service. */
export interface ServiceStatus {
  name: string;
  healthy: boolean;
  version?: string;
  address: string;
  /** Short facts worth seeing: modes, databases, settings that matter to Context Bridge. */
  details: string[];
  /** True when this project started it, so `down` would stop it. */
  managed: boolean;
  /** The process id, when this project started it as its own process. */
  pid?: number;
}

/** Reports progress of long steps (installing packages, downloading jars, starting servers). */
export interface Progress {
  step(message: string): void;
  notice(message: string): void;
}

/**
 * A service Context Bridge needs on a developer or CI machine, run without Docker.
 * `up` is idempotent: a healthy service is left alone, so a second `up` takes seconds.
 * `down` stops only what this project started.
 */
export interface LocalService {
  readonly name: string;
  status(): Promise<ServiceStatus>;
  up(progress: Progress): Promise<void>;
  down(progress: Progress): Promise<void>;
}
