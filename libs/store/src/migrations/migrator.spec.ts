import { checkMigrations, type Migration } from './migrator';
import { STORE_MIGRATIONS } from './store-migrations';

const step = (version: number, name = `step ${version}`): Migration => ({
  version,
  name,
  statements: ['SELECT 1'],
});

describe('checkMigrations', () => {
  it('accepts the store migrations', () => {
    expect(() => checkMigrations(STORE_MIGRATIONS)).not.toThrow();
  });

  it.each<[string, Migration[], RegExp]>([
    ['a zero version', [step(0)], /positive integer/],
    ['a fractional version', [step(1.5)], /positive integer/],
    ['a repeated version', [step(1), step(1, 'again')], /must come after 1/],
    ['versions out of order', [step(2), step(1)], /must come after 2/],
    ['a step without statements', [{ version: 1, name: 'empty', statements: [] }], /no statements/],
  ])('refuses %s', (_, migrations, message) => {
    expect(() => checkMigrations(migrations)).toThrow(message);
  });
});
