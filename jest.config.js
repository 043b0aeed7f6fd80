// Three test levels, each a jest project:
//   unit         fast specs beside the code (*.spec.ts), no I/O
//   integration  real local services (Kafka, ClickHouse, Redis, PostgreSQL, MariaDB, ODBC)
//   e2e          whole apps and pipelines against the same services
// Integration and e2e share a global setup that runs `ctxb services up` (idempotent).
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    `<rootDir>/${target}`,
  ]),
);

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        // Rewrites @ctxb/* imports at compile time, so code loaded outside jest's module
        // registry (the services global setup) resolves them too.
        baseUrl: __dirname,
        paths: compilerOptions.paths,
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

// hyparquet and hyparquet-writer ship only ES modules; Node loads them with require() (20.19+),
// jest's module registry does not, so jest compiles them to CommonJS like our own code.
const ESM_PACKAGES = ['hyparquet', 'hyparquet-writer'];
transform['^.+/node_modules/(' + ESM_PACKAGES.join('|') + ')/.+\\.js$'] = [
  '@swc/jest',
  { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
];

const common = {
  rootDir: __dirname,
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: 2,
  // Integration and e2e tests wait on real services; a project-level timeout is not honoured.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs,connectors}/**/*.spec.ts',
        '<rootDir>/test/unit/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/services.global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/e2e.global-setup.ts',
    },
  ],
};
