import { contractSuite } from './contract.js';

contractSuite('postgres');
