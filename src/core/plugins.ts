/** True when `driver` is vol's own local driver (`local`, or empty as Podman allows). */
export function isLocalDriver(driver: string): boolean {
  return driver === 'local' || driver === '';
}

