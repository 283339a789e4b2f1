import 'reflect-metadata';
import type { Policy, PolicyRegistry } from '@bulwark/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ExecutionContext, OnModuleInit, Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { BULWARK_REGISTRY, DECORATOR_ORDER, POLICY_METADATA } from './bulwark.constants.js';
import type { DecoratorKind } from './bulwark.constants.js';
import type { FallbackSpec } from './fallback.decorator.js';
import { PolicyChain } from './policy-chain.js';
import type { FallbackStep } from './policy-chain.js';
import type { PolicySpec } from './policy-decorator.js';
import { wrapMethod, isWrapped } from './wrap-method.js';

/** @internal A controller handler's chain, with how to call its fallback. */
export interface HandlerChain {
  readonly chain: PolicyChain;
  readonly answer: (context: ExecutionContext, error: unknown) => unknown;
}

type AnyFunction = (...args: unknown[]) => unknown;

// Methods a class-level decorator never applies to: Nest's lifecycle hooks.
const LIFECYCLE_HOOKS = new Set(['onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);

// One BulwarkModule per application: two would apply every handler's policies twice.
const explorers = new WeakMap<ModulesContainer, BulwarkExplorer>();

/**
 * Finds the methods the decorators mark and applies their policies, once, at module init:
 * provider methods are wrapped on their instance; controller handlers get a chain that the
 * module's interceptor runs. Every policy is resolved from the registry then, so a bad
 * configuration fails at start-up. Injectable from the module, for `describe()`.
 */
@Injectable()
export class BulwarkExplorer implements OnModuleInit {
  private readonly logger = new Logger('BulwarkModule');
  private readonly handlers = new Map<object, Map<object, HandlerChain>>();
  private readonly methods = new Map<object, Map<string, PolicyChain>>();

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(BULWARK_REGISTRY) private readonly registry: PolicyRegistry,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
  ) {}

  /** @internal Applies the decorators of every controller and provider. */
  onModuleInit(): void {
    const other = explorers.get(this.modules);
    if (other !== undefined && other !== this) {
      throw new Error('BulwarkModule: imported more than once with different options; import BulwarkModule.forRoot() once (with isGlobal: true to use it everywhere)');
    }
    explorers.set(this.modules, this);
    for (const wrapper of this.discovery.getControllers()) {
      const cls = wrapper.metatype as Type | null;
      if (typeof cls === 'function') this.exploreController(cls, wrapper.isDependencyTreeStatic() ? (wrapper.instance as object) : undefined);
    }
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null || prototype === Object.prototype) continue;
      const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      this.exploreProvider(instance, prototype.constructor as Type, isStatic);
    }
  }

  /**
   * The policies a decorated method runs through, outermost first, as core's `describe()`
   * words them: `fallback(cachedPrice) → bulkhead(4, queue 0) → retry(maxAttempts=3, …)`;
   * `undefined` for a method with no Bulwark decorator (or before module init).
   *
   * @param target the controller or provider class
   * @param methodName the method
   */
  describe(target: Type, methodName: string): string | undefined {
    const handler = (target.prototype as Record<string, unknown>)[methodName];
    const fromHandlers = typeof handler === 'function' ? this.handlers.get(target)?.get(handler) : undefined;
    return (fromHandlers?.chain ?? this.methods.get(target)?.get(methodName))?.describe();
  }

  /** @internal The chain of a controller handler, for the interceptor; `undefined` when it has no policy. */
  handlerChain(cls: object, handler: object): HandlerChain | undefined {
    return this.handlers.get(cls)?.get(handler);
  }

  private exploreController(cls: Type, instance: object | undefined): void {
    const prototype = cls.prototype as Record<string, AnyFunction>;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue; // not a route
      const specs = this.specsOf(cls, handler);
      if (specs === undefined) continue;
      const where = `${cls.name}.${name}`;
      const fallback = specs.fallback as FallbackSpec | undefined;
      if (typeof fallback?.target === 'string' && instance === undefined) {
        throw new TypeError(`@Fallback(${JSON.stringify(fallback.target)}) on ${where}: ${cls.name} is not a singleton, so there is no instance to call the method on; pass a function instead`);
      }
      const chain = this.chain(cls, where, specs);
      let byHandler = this.handlers.get(cls);
      if (byHandler === undefined) this.handlers.set(cls, (byHandler = new Map()));
      byHandler.set(handler, { chain, answer: (context, error) => callFallback(fallback, instance, [context, error]) });
    }
  }

  private exploreProvider(instance: object, cls: Type, isStatic: boolean): void {
    const prototype = Object.getPrototypeOf(instance) as Record<string, AnyFunction>;
    const classLevel = DECORATOR_ORDER.some((kind) => this.reflector.get(POLICY_METADATA[kind], cls) !== undefined);
    const fallbackTargets = new Set<string>();
    const names = this.scanner.getAllMethodNames(prototype);
    for (const name of [undefined, ...names]) {
      const spec = this.reflector.get<FallbackSpec | undefined>(POLICY_METADATA.fallback, name === undefined ? cls : prototype[name]);
      if (typeof spec?.target === 'string') fallbackTargets.add(spec.target);
    }
    for (const name of names) {
      const method = prototype[name];
      const own = DECORATOR_ORDER.some((kind) => this.reflector.get(POLICY_METADATA[kind], method) !== undefined);
      // A class-level decorator covers the class's methods, but for lifecycle hooks and fallbacks.
      if (!own && (!classLevel || LIFECYCLE_HOOKS.has(name) || fallbackTargets.has(name))) continue;
      const where = `${cls.name}.${name}`;
      if (!isStatic) {
        this.logger.warn(`${where} has Bulwark decorators but ${cls.name} is not a singleton provider: its methods are left as they are`);
        continue;
      }
      const current = (instance as Record<string, AnyFunction>)[name];
      if (isWrapped(current)) continue; // one instance reached through two modules: wrap it once
      const specs = this.specsOf(cls, method);
      if (specs === undefined) continue;
      const chain = this.chain(cls, where, specs);
      const fallback = specs.fallback as FallbackSpec | undefined;
      (instance as Record<string, AnyFunction>)[name] = wrapMethod(current, chain, (self, args, error) => callFallback(fallback, self, [...args, error]));
      let byName = this.methods.get(cls);
      if (byName === undefined) this.methods.set(cls, (byName = new Map()));
      byName.set(name, chain);
    }
  }

  /** The spec of each kind, the method's overriding the class's; `undefined` when there is none. */
  private specsOf(cls: Type, method: AnyFunction): Partial<Record<DecoratorKind, PolicySpec | FallbackSpec>> | undefined {
    let found = false;
    const specs: Partial<Record<DecoratorKind, PolicySpec | FallbackSpec>> = {};
    for (const kind of DECORATOR_ORDER) {
      const spec = this.reflector.getAllAndOverride<PolicySpec | FallbackSpec | undefined>(POLICY_METADATA[kind], [method, cls]);
      if (spec !== undefined) {
        specs[kind] = spec;
        found = true;
      }
    }
    return found ? specs : undefined;
  }

  /** Resolves each spec from the registry, in the fixed order, and checks a fallback method's name. */
  private chain(cls: Type, where: string, specs: Partial<Record<DecoratorKind, PolicySpec | FallbackSpec>>): PolicyChain {
    const policies: Policy[] = [];
    for (const kind of DECORATOR_ORDER) {
      const spec = specs[kind];
      if (spec !== undefined && kind !== 'fallback') policies.push(this.instance(kind, spec as PolicySpec, where));
    }
    const fallback = specs.fallback as FallbackSpec | undefined;
    let step: FallbackStep | undefined;
    if (fallback !== undefined) {
      const { target } = fallback;
      if (typeof target === 'string' && typeof (cls.prototype as Record<string, unknown>)[target] !== 'function') {
        throw new TypeError(`@Fallback on ${where}: ${cls.name} has no method ${JSON.stringify(target)}`);
      }
      step = { label: `fallback(${typeof target === 'string' ? target : target.name || 'function'})`, shouldHandle: fallback.shouldHandle };
    }
    return new PolicyChain(where, policies, step);
  }

  private instance(kind: Exclude<DecoratorKind, 'fallback'>, spec: PolicySpec, where: string): Policy {
    const name = spec.name ?? where;
    try {
      // Each accessor takes its own kind's options; the spec holds what the decorator was given.
      const accessor = this.registry[kind].bind(this.registry) as (name: string, options?: unknown) => Policy;
      return accessor(name, spec.options);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      const Rethrown = error instanceof RangeError ? RangeError : TypeError;
      throw new Rethrown(`${spec.decorator} on ${where}: ${error.message}`, { cause: error });
    }
  }
}

/** Calls a fallback spec's target with `this` set to `self`. */
function callFallback(spec: FallbackSpec | undefined, self: unknown, args: unknown[]): unknown {
  if (spec === undefined) throw new TypeError('unreachable: no fallback'); // PolicyChain calls answer only with a fallback
  const target = spec.target;
  const fn = typeof target === 'string' ? (self as Record<string, AnyFunction>)[target] : target;
  return fn.apply(self, args);
}
