import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { projectRoot } from '@ctxb/config';

/** Serves the browser tracker (apps/gateway/tracker/ctxb-tracker.js) from the gateway itself. */
@ApiTags('collector')
@Controller()
export class TrackerController {
  private readonly script = readFileSync(
    join(projectRoot(), 'apps', 'gateway', 'tracker', 'ctxb-tracker.js'),
    'utf8',
  );

  @Get('tracker.js')
  @Header('Content-Type', 'application/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  @ApiOperation({
    summary: 'The browser tracker script (page views, engagement, clicks, identity)',
  })
  tracker(): string {
    return this.script;
  }
}
