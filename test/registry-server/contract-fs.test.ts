import { contractSuite } from './contract.js';

contractSuite('filesystem');
