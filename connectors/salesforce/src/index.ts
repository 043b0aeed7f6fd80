export * from './salesforce-profile';
export * from './salesforce-session';
export * from './salesforce-failure';
export * from './salesforce-link-target';
export * from './salesforce-profile-check';
export * from './crm-amounts';
