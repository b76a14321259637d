export const PACKAGE = '@fmnist/reports';
