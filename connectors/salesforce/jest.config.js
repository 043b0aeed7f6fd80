// LWC unit tests (force-app/**/__tests__/*.test.js), run by @salesforce/sfdx-lwc-jest with its
// own jest: `npm run test:lwc` from the project root.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  roots: ['<rootDir>/force-app'],
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver'],
};
