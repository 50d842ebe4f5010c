// A device id shown in short groups, so people can compare it between two screens.
export function deviceCode(deviceId: string): string {
  return (deviceId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).match(/.{1,4}/g) ?? []).join(' ')
}

export function DeviceCode({ deviceId }: { deviceId: string }) {
  return (
    <code class="device-code" aria-label={`device code ${deviceCode(deviceId).split('').join(' ')}`} data-device-id={deviceId}>
      {deviceCode(deviceId)}
    </code>
  )
}
