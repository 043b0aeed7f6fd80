import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig, type ApiKeyConfig, type ApiScope } from '@ctxb/config';
import { HashedKeys } from './hashed-keys';

/** The scope a route needs, e.g. `@RequiresScope('contexts:read')`. */
export const RequiresScope = Reflector.createDecorator<ApiScope>();

/**
 * Every query route is behind an API key (`Authorization: Bearer <key>` or `X-Api-Key`):
 * 401 without a valid key, 403 when the key lacks the route's scope.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: HashedKeys<ApiKeyConfig>;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.keys = new HashedKeys(config.api.keys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const presented = presentedApiKey(request.headers);
    if (!presented)
      throw new UnauthorizedException('send an API key: Authorization: Bearer <key> or X-Api-Key');
    const key = this.keys.find(presented);
    if (!key) throw new UnauthorizedException('the API key is not valid');
    const scope = this.reflector.get(RequiresScope, context.getHandler());
    if (scope && !key.scopes.includes(scope))
      throw new ForbiddenException(`the API key "${key.name}" does not have the scope ${scope}`);
    return true;
  }
}

function presentedApiKey(headers: Request['headers']): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const [scheme, value = ''] = authorization.split(' ', 2);
    if (/^bearer$/i.test(scheme) && value.trim()) return value.trim();
  }
  const header = headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return key || undefined;
}
