import { runApp } from '@ctxb/observability';
import { workerApp } from './worker.app';

void runApp(workerApp);
