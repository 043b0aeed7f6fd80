import { renderStatusTable } from './local-services';
import { hostAndPort } from './local-services.context';

describe('renderStatusTable', () => {
  it('aligns columns and says what the project started', () => {
    const table = renderStatusTable([
      {
        name: 'kafka',
        healthy: true,
        version: '3.9.2',
        address: '127.0.0.1:9092',
        details: ['KRaft'],
        managed: true,
        pid: 42,
      },
      {
        name: 'redis',
        healthy: false,
        address: '127.0.0.1:6379',
        details: ['connect ECONNREFUSED'],
        managed: false,
      },
    ]);
    expect(table.split('\n')).toEqual([
      'SERVICE  STATE  VERSION  ADDRESS         DETAILS',
      'kafka    up     3.9.2    127.0.0.1:9092  KRaft; started by this project (pid 42)',
      'redis    DOWN   -        127.0.0.1:6379  connect ECONNREFUSED',
    ]);
  });
});

describe('hostAndPort', () => {
  it.each([
    ['127.0.0.1:9092', { host: '127.0.0.1', port: 9092 }],
    ['kafka-0.internal:19092', { host: 'kafka-0.internal', port: 19092 }],
  ])('%s', (address, expected) => {
    expect(hostAndPort(address)).toEqual(expected);
  });
});
