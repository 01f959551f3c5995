export { removeFromPlugin as removePluginVolume } from './plugin-driver.ts';
