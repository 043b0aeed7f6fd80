import { runApp } from '@ctxb/observability';
import { engineApp } from './engine.app';

void runApp(engineApp);
