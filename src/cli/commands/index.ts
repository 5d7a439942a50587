/** Every verb of the CLI, in the order `--help` lists them. */
import type { CommandModule } from './types.js';
import * as generate from './generate.js';
import * as lint from './lint.js';
import * as newPackage from './new.js';
import * as login from './login.js';
import * as logout from './logout.js';
import * as config from './config.js';
import * as push from './push.js';
import * as pull from './pull.js';
import * as show from './show.js';
import * as list from './list.js';
import * as channel from './channel.js';
import * as deletePackage from './delete-package.js';
import * as version from './version.js';
import * as update from './update.js';
import * as diff from './diff.js';
import * as deploy from './deploy.js';
import * as remove from './remove.js';
import * as status from './status.js';
import * as history from './history.js';
import * as rollback from './rollback.js';
import * as completion from './completion.js';

export const commandModules: readonly CommandModule[] = [
  generate,
  lint,
  newPackage,
  login,
  logout,
  config,
  push,
  pull,
  show,
  list,
  channel,
  deletePackage,
  version,
  update,
  diff,
  deploy,
  remove,
  status,
  history,
  rollback,
  completion,
];
