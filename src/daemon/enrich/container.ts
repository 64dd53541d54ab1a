// container_id from the cgroup v2 path. Runtimes name the container's cgroup after its 64-hex id:
//   docker (systemd driver)        /system.slice/docker-<id>.scope
//   docker (cgroupfs driver)       /docker/<id>
//   containerd / CRI (systemd)     /kubepods.slice/.../cri-containerd-<id>.scope
//   CRI (cgroupfs driver)          /kubepods/burstable/pod<uid>/<id>
//   containerd, systemd cgroup     .../kubepods-...-pod<uid>.slice:cri-containerd:<id>
//   cri-o                          /kubepods.slice/.../crio-<id>.scope
//   podman / libpod                /machine.slice/libpod-<id>.scope, /libpod_parent/libpod-<id>
// The runtimes' helper processes (libpod-conmon-<id>, crio-conmon-<id>) are not the container and do
// not match. The innermost match wins (nested containers).

const PREFIXED = /^(?:docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(?:\.scope)?$/;
const COLON = /:(?:cri-containerd|crio|docker):([0-9a-f]{64})$/;
const BARE = /^[0-9a-f]{64}$/;

export function containerIdFromCgroup(path: string): string | undefined {
  if (path.length < 64) return undefined;
  const segs = path.split('/');
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (s.length < 64) continue;
    const m = PREFIXED.exec(s) ?? COLON.exec(s);
    if (m) return m[1];
    if (BARE.test(s) && i > 0 && isRuntimeParent(segs, i)) return s;
  }
  return undefined;
}

// A bare id counts only below a runtime's own hierarchy, not any 64-hex directory name.
function isRuntimeParent(segs: string[], i: number): boolean {
  for (let j = 0; j < i; j++) {
    const s = segs[j]!;
    if (s === 'docker' || s === 'libpod_parent' || s.startsWith('kubepods')) return true;
  }
  return false;
}
