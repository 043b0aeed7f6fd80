import { randomBytes, createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { commandExists, ensureDir, ManagedProcess, reason, run, waitUntil } from './host';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import { hostAndPort, type LocalServicesContext } from './local-services.context';

/**
 * A single Apache Kafka broker in KRaft mode (broker and controller in one process),
 * run from the jars Maven resolves for assets/kafka/pom.xml, with the machine's JDK.
 * Topic auto-creation is off: Context Bridge creates its topics explicitly.
 */
export class KafkaLocalService implements LocalService {
  readonly name = 'kafka';
  private readonly process: ManagedProcess;
  private readonly address: { host: string; port: number };

  constructor(private readonly context: LocalServicesContext) {
    this.process = new ManagedProcess(context.state('kafka', 'kafka.pid'));
    this.address = hostAndPort(context.config.kafka.brokers[0]);
  }

  private get pom(): string {
    return join(this.context.assetsDir, 'kafka', 'pom.xml');
  }

  get version(): string {
    const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(this.pom, 'utf8'));
    if (!match) throw new Error(`${this.pom} has no <kafka.version>`);
    return match[1];
  }

  async status(): Promise<ServiceStatus> {
    const address = `${this.address.host}:${this.address.port}`;
    const pid = this.process.pid();
    const managed = pid !== undefined;
    try {
      const cluster = await describeCluster([address]);
      const broker = runningBrokerProcess();
      const roles = broker?.roles ? `KRaft (process.roles=${broker.roles})` : 'mode unknown';
      return {
        name: this.name,
        healthy: true,
        version: broker?.version ?? 'unknown',
        address,
        details: [
          roles,
          `broker id ${cluster.brokers.map((b) => b.nodeId).join(',')}`,
          `cluster ${cluster.clusterId}`,
          ...(broker?.autoCreateTopics === 'false' ? ['auto-create off'] : []),
        ],
        managed,
        pid,
      };
    } catch (error) {
      return { name: this.name, healthy: false, address, details: [reason(error)], managed, pid };
    }
  }

  async up(progress: Progress): Promise<void> {
    if ((await this.status()).healthy) return;
    if (this.process.pid() !== undefined) {
      progress.step('kafka: waiting for the broker this project started');
      await this.waitReady();
      return;
    }
    await this.ensureJava(progress);
    const classpath = await this.classpath(progress);
    const dir = ensureDir(this.context.state('kafka'));
    const properties = this.writeServerProperties(dir);
    if (!existsSync(join(dir, 'data', 'meta.properties'))) {
      progress.step('kafka: formatting KRaft storage');
      await run('java', [
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${kraftClusterId()}`,
        '--config',
        properties,
      ]);
    }
    progress.step(
      `kafka: starting broker ${this.version} on ${this.address.host}:${this.address.port}`,
    );
    const logsDir = ensureDir(join(dir, 'logs'));
    this.process.start(
      'java',
      [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${logsDir}`,
        `-Dlog4j.configuration=file:${join(this.context.assetsDir, 'kafka', 'log4j.properties')}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
      join(logsDir, 'stdout.log'),
    );
    await this.waitReady();
  }

  async down(progress: Progress): Promise<void> {
    if (await this.process.stop()) progress.step('kafka: stopped');
  }

  private async waitReady(): Promise<void> {
    const address = `${this.address.host}:${this.address.port}`;
    await waitUntil(
      'Kafka',
      async () => {
        try {
          await describeCluster([address]);
          return true;
        } catch {
          return false;
        }
      },
      90_000,
      () => `See ${this.context.state('kafka', 'logs', 'server.log')}.`,
    );
  }

  private async ensureJava(progress: Progress): Promise<void> {
    const packages: string[] = [];
    if (!(await commandExists('java'))) packages.push('openjdk-17-jre-headless');
    if (!(await commandExists('mvn'))) packages.push('maven');
    await this.context.packages.ensure(packages, progress);
  }

  /** The broker's classpath, resolved once per pom version and cached in .local/kafka. */
  private async classpath(progress: Progress): Promise<string> {
    const pom = readFileSync(this.pom, 'utf8');
    const digest = createHash('sha256').update(pom).digest('hex').slice(0, 12);
    const file = this.context.state('kafka', `classpath-${digest}.txt`);
    if (existsSync(file)) {
      const cached = readFileSync(file, 'utf8').trim();
      if (cached.split(':').every((jar) => existsSync(jar))) return cached;
    }
    progress.step(
      `kafka: resolving Kafka ${this.version} jars from Maven Central (first run only)`,
    );
    ensureDir(this.context.state('kafka'));
    await run(
      'mvn',
      ['-B', '-q', '-f', this.pom, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`],
      {
        timeoutMs: 900_000,
      },
    );
    return readFileSync(file, 'utf8').trim();
  }

  private writeServerProperties(dir: string): string {
    const { host, port } = this.address;
    const controllerPort = port + 1;
    const file = join(dir, 'server.properties');
    const lines = [
      '# Written by `ctxb services up`; edit assets or code, not this file.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${host}:${controllerPort}`,
      `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${host}:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'auto.create.topics.enable=false',
      'delete.topic.enable=true',
      'num.partitions=3',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'log.retention.hours=168',
      'log.segment.bytes=268435456',
      'num.network.threads=3',
      'num.io.threads=4',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }
}

interface ClusterDescription {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
}

async function describeCluster(brokers: string[]): Promise<ClusterDescription> {
  const kafka = new Kafka({
    clientId: 'ctxb-services',
    brokers,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding (what kafka-storage random-uuid
 * prints). Like Kafka's own generator it never starts with '-', which command lines read as a flag.
 */
export function kraftClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface BrokerProcess {
  version?: string;
  roles?: string;
  autoCreateTopics?: string;
}

/** Finds a locally running broker (ours or not) to read its version and KRaft roles. */
function runningBrokerProcess(): BrokerProcess | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    const main = argv.indexOf('kafka.Kafka');
    if (main < 0) continue;
    const classpath = argv.join(' ');
    const version =
      /kafka_2\.1\d-(\d+\.\d+\.\d+)\.jar/.exec(classpath)?.[1] ??
      /kafka_2\.1\d-(\d+\.\d+\.\d+)/.exec(classpath)?.[1];
    const propertiesFile = argv[main + 1];
    const properties =
      propertiesFile && existsSync(propertiesFile) ? readFileSync(propertiesFile, 'utf8') : '';
    const read = (key: string) =>
      new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(properties)?.[1]?.trim();
    return {
      version,
      roles: read('process.roles'),
      autoCreateTopics: read('auto.create.topics.enable'),
    };
  }
  return undefined;
}
