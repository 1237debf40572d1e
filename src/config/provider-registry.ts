import type { Type } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from 'src/config/app-config';
import type { ConfigErrors, Env } from 'src/config/env-readers';

/** A registered provider's name: the path segment of its webhook route and its data namespace. */
export type ProviderName = string;

/** What every provider's configuration has: its secrets (none configured = every delivery refused). */
export interface ProviderConfig {
  secrets: string[];
}

/**
 * The configurations of the registered providers, by name. A provider adds its typed entry by declaration
 * merging in its own `*.config.ts`, so the core stays free of provider names and the provider's code reads
 * its config typed (`config.providers.<name>`).
 */
export interface ProviderConfigs {
  [name: ProviderName]: ProviderConfig;
}

/** Settings of the service that a provider's config may be checked against. */
export interface ServiceLimits {
  webhookBodyLimitBytes: number;
}

/**
 * Everything the shared core needs to know about one provider; everything else about it stays in its
 * folder (routes, guard, DTOs, mapper, adapter, OpenAPI description). The core discovers providers through
 * `registeredProviders()` and never names one.
 */
export interface ProviderDefinition<S = unknown> {
  name: ProviderName;
  /** Reads, validates and returns its configuration (env names, secrets, rotation), adding problems to `errors`. */
  parseConfig(env: Env, errors: ConfigErrors, limits: ServiceLimits): ProviderConfig;
  /** Its Nest module: webhook controller, guard, adapter service and any routes of its own. */
  module: Type<unknown>;
  /** The service implementing `WebhookAdapter` (the module provides it), for replay outside a request. */
  adapter: Type<unknown>;
  /** TypeORM entities of tables it owns (their migrations live with all the others in migrations/). */
  entities?: readonly Type<unknown>[];
  /** Lower-case request headers that authenticate its deliveries: kept in the inbox, never shown by the API. */
  hiddenHeaders?: readonly string[];
  /**
   * What its guard can refuse from the request line and headers alone, run before the body is read (see
   * webhook-intake.ts).
   */
  precheck?: (config: AppConfig) => WebhookPrecheck;
  /** Log keys whose values are credentials of this provider (headers included, lower-case); always redacted. */
  redactKeys?: readonly string[];
  /**
   * How `npm run send` / `npm run demo` build and sign its requests (a `ProviderSimulator`), loaded on demand
   * so that the service never loads it.
   */
  simulator?: () => Promise<S>;
}

/**
 * A provider's checks that need no body (secret configured, signature header well-formed, a path token
 * valid); throws a ProblemException to refuse. `path` is the request path under `/webhooks/<provider>`.
 */
export type WebhookPrecheck = (req: Request, path: string) => void;

const registered = new Map<ProviderName, ProviderDefinition>();

/**
 * The registered providers' names, in registration order. A live list: decorators of request DTOs hold it
 * (`@IsIn`, OpenAPI `enum`) and read it when they validate or document, after registration.
 */
export const PROVIDER_NAMES: ProviderName[] = [];

/** Registers providers (once each; the same definition again is ignored, a different one under a taken name refused). */
export function registerProviders(definitions: readonly ProviderDefinition[]): void {
  for (const definition of definitions) {
    const existing = registered.get(definition.name);
    if (existing === definition) continue;
    if (existing !== undefined) throw new Error(`provider "${definition.name}" is registered twice`);
    if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
      throw new Error(`provider name "${definition.name}" must be lower-case letters, digits and dashes`);
    }
    registered.set(definition.name, definition);
    PROVIDER_NAMES.push(definition.name);
  }
}

export function registeredProviders(): readonly ProviderDefinition[] {
  return [...registered.values()];
}

export function providerDefinition(name: ProviderName): ProviderDefinition | undefined {
  return registered.get(name);
}

/** Every registered provider's configuration, read from `env`. */
export function parseProvidersConfig(env: Env, errors: ConfigErrors, limits: ServiceLimits): ProviderConfigs {
  return Object.fromEntries(
    registeredProviders().map((p) => [p.name, p.parseConfig(env, errors, limits)]),
  ) as ProviderConfigs;
}
