"""Container images: reference parsing, a small registry catalog, pull times and pull errors.

Notes
-----
Image names are normalized the way containerd and the Docker reference library do it:
``nginx`` is ``docker.io/library/nginx:latest``, ``bitnami/redis`` is
``docker.io/bitnami/redis:latest``, and a first path component with a ``.`` or ``:`` (or
``localhost``) is a registry host. The kubelet writes the name the pod asked for in its
events (``Pulling image "nginx"``); the runtime reports the normalized name in
``containerStatuses[].image`` and ``<repository>@sha256:<digest>`` in ``imageID``.

The catalog holds common public images with realistic compressed (amd64) sizes; the
size is what ``Successfully pulled image ... Image size: N bytes.`` reports and what
``status.images[].sizeBytes`` of the Node lists. Pull time is
``PULL_LATENCY_SECONDS + size / PULL_BANDWIDTH`` (0.5 s to resolve the manifest plus
50 MB/s); an image that is already present still costs the manifest round trip when
``imagePullPolicy: Always`` asks for a pull. Digests are stable hashes of the name, not
the real registry digests. Unknown repositories and tags fail like containerd fails
(``not found`` / ``pull access denied``); :func:`register_image` adds your own images.

Used in: 04_kubelet_and_runtime, 07_rolling_updates (a bad tag stalls a rollout).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "ImageRef",
    "ImageInfo",
    "ImageConfig",
    "Registry",
    "PullError",
    "InvalidImageName",
    "DEFAULT_REGISTRY",
    "SANDBOX_IMAGE",
    "PULL_BANDWIDTH",
    "PULL_LATENCY_SECONDS",
    "parse_image",
    "register_image",
    "pull_seconds",
]

#: Download speed of image layers (bytes per virtual second).
PULL_BANDWIDTH = 50_000_000
#: Manifest resolution: every pull, and every ``Always`` check of a present image.
PULL_LATENCY_SECONDS = 0.5
#: The sandbox ("pause") image every node has before any pod arrives.
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"

_KNOWN_REGISTRIES = ("docker.io", "registry.k8s.io", "quay.io", "ghcr.io", "gcr.io", "k8s.gcr.io", "mcr.microsoft.com")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


class InvalidImageName(ValueError):
    """The reference cannot be parsed (``couldn't parse image name ...: invalid reference format``)."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference: ``registry/repository:tag`` or ``...@sha256:digest``."""

    registry: str
    repository: str
    tag: str
    digest: str = ""

    @property
    def name(self) -> str:
        """``docker.io/library/nginx`` (no tag)."""
        return f"{self.registry}/{self.repository}"

    @property
    def full(self) -> str:
        """``docker.io/library/nginx:latest`` (what containerd stores and reports)."""
        if self.digest:
            return f"{self.name}@{self.digest}"
        return f"{self.name}:{self.tag}"


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The image's own process settings (``ENTRYPOINT``, ``CMD``, ``EXPOSE``, ``STOPSIGNAL``)."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    stop_signal: str = "SIGTERM"


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """One pullable image: its normalized name, digest, compressed size and config."""

    ref: ImageRef
    size: int
    config: ImageConfig

    @property
    def digest(self) -> str:
        return _digest_of(self.ref.name + ":" + self.ref.tag) if not self.ref.digest else self.ref.digest

    @property
    def image_id(self) -> str:
        """``docker.io/library/nginx@sha256:...`` (``containerStatuses[].imageID``)."""
        return f"{self.ref.name}@{self.digest}"

    @property
    def names(self) -> list[str]:
        """The names the Node's ``status.images`` lists (digest form, then tag form)."""
        out = [self.image_id]
        if not self.ref.digest:
            out.append(self.ref.full)
        return out


class PullError(Exception):
    """A failed pull, with the runtime's error text (``rpc error: code = ... desc = ...``)."""


@dataclass
class _Repo:
    tags: dict[str, int]
    config: ImageConfig
    aliases: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def _digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(("k8slearn:" + text).encode()).hexdigest()


@lru_cache(maxsize=8192)
def parse_image(image: str) -> ImageRef:
    """Normalize an image reference as containerd does.

    Examples
    --------
    >>> parse_image("nginx").full
    'docker.io/library/nginx:latest'
    >>> parse_image("registry.k8s.io/pause:3.10").full
    'registry.k8s.io/pause:3.10'
    >>> parse_image("Nginx")
    Traceback (most recent call last):
    ...
    k8slearn.node.images.InvalidImageName: couldn't parse image name "Nginx": invalid reference format: repository name must be lowercase
    """
    text = image.strip()
    if not text or text != image:
        raise InvalidImageName(f'couldn\'t parse image name "{image}": invalid reference format')
    digest = ""
    if "@" in text:
        text, digest = text.split("@", 1)
        if not _DIGEST.match(digest):
            raise InvalidImageName(f'couldn\'t parse image name "{image}": invalid reference format')
    tag = ""
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        if not _TAG.match(tag):
            raise InvalidImageName(f'couldn\'t parse image name "{image}": invalid reference format')
    parts = text.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, path = parts[0], parts[1:]
    else:
        registry, path = "docker.io", parts
    if registry == "index.docker.io":
        registry = "docker.io"
    if registry == "docker.io" and len(path) == 1:
        path = ["library", *path]
    for component in path:
        if component != component.lower():
            raise InvalidImageName(
                f'couldn\'t parse image name "{image}": invalid reference format: repository name must be lowercase'
            )
        if not _PATH_COMPONENT.match(component):
            raise InvalidImageName(f'couldn\'t parse image name "{image}": invalid reference format')
    return ImageRef(registry, "/".join(path), tag or ("" if digest else "latest"), digest)


class Registry:
    """The image registries the simulated nodes pull from (a catalog of repositories and tags)."""

    def __init__(self) -> None:
        self._repos: dict[str, _Repo] = {}

    def add_repository(self, name: str, tags: dict[str, int], config: ImageConfig | None = None) -> None:
        """Add (or extend) a repository: ``name`` like ``docker.io/library/nginx``, tags -> compressed bytes."""
        repo = self._repos.get(name)
        if repo is None:
            self._repos[name] = _Repo(dict(tags), config or ImageConfig())
        else:
            repo.tags.update(tags)
            if config is not None:
                repo.config = config

    def config_of(self, ref: ImageRef) -> ImageConfig | None:
        repo = self._repos.get(ref.name)
        return repo.config if repo else None

    def lookup(self, image: str) -> ImageInfo:
        """Resolve ``image`` like a pull would; raises :class:`PullError` with containerd's wording."""
        ref = parse_image(image)
        repo = self._repos.get(ref.name)
        resolving = ref.full
        if repo is None:
            if ref.registry == "docker.io":
                raise PullError(
                    f'rpc error: code = Unknown desc = failed to pull and unpack image "{resolving}": failed to '
                    f'resolve reference "{resolving}": pull access denied, repository does not exist or may '
                    "require authorization: server message: insufficient_scope: authorization failed"
                )
            if ref.registry not in _KNOWN_REGISTRIES:
                path = ref.tag if not ref.digest else ref.digest
                raise PullError(
                    f'rpc error: code = Unknown desc = failed to pull and unpack image "{resolving}": failed to '
                    f'resolve reference "{resolving}": failed to do request: Head "https://{ref.registry}/v2/'
                    f'{ref.repository}/manifests/{path}": dial tcp: lookup {ref.registry}: no such host'
                )
            raise _not_found(resolving)
        if ref.digest:
            size = next(iter(repo.tags.values()))
            return ImageInfo(ref, size, repo.config)
        size = repo.tags.get(ref.tag)
        if size is None:
            raise _not_found(resolving)
        return ImageInfo(ref, size, repo.config)


def _not_found(resolving: str) -> PullError:
    return PullError(
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{resolving}": failed to resolve '
        f'reference "{resolving}": {resolving}: not found'
    )


def pull_seconds(size: int, present: bool = False) -> float:
    """Virtual seconds a pull takes: manifest round trip plus layers at :data:`PULL_BANDWIDTH`."""
    if present:
        return PULL_LATENCY_SECONDS
    return PULL_LATENCY_SECONDS + size / PULL_BANDWIDTH


#: The registry every cluster uses unless it sets ``cluster.image_registry``.
DEFAULT_REGISTRY = Registry()


def register_image(image: str, size_bytes: int, *, entrypoint: tuple[str, ...] = (), cmd: tuple[str, ...] = (),
                   ports: tuple[int, ...] = (), registry: Registry | None = None) -> ImageInfo:  # fmt: skip
    """Make ``image`` pullable (e.g. your own ``myteam/api:1.4``), with its compressed size.

    Examples
    --------
    >>> info = register_image("example.com/team/api:1.4", 31_000_000, ports=(8080,))
    >>> info.ref.full, info.size
    ('example.com/team/api:1.4', 31000000)
    """
    reg = registry or DEFAULT_REGISTRY
    ref = parse_image(image)
    reg.add_repository(ref.name, {ref.tag: int(size_bytes)}, ImageConfig(tuple(entrypoint), tuple(cmd), tuple(ports)))
    return reg.lookup(image)


def _catalog() -> None:
    lib = "docker.io/library/"
    ep = ("docker-entrypoint.sh",)
    add = DEFAULT_REGISTRY.add_repository
    add(lib + "nginx", {"latest": 72_404_038, "stable": 71_112_745, "mainline": 72_404_038, "1.29": 72_404_038,
                        "1.28": 71_112_745, "1.27": 70_545_214, "1.27.3": 70_545_214, "1.26": 68_871_002,
                        "1.25": 67_309_817, "1.16.1": 51_044_672, "1.14.2": 44_712_340, "alpine": 20_482_156,
                        "1.27-alpine": 20_203_513, "stable-alpine": 20_330_907},
        ImageConfig(("/docker-entrypoint.sh",), ("nginx", "-g", "daemon off;"), (80,), "SIGQUIT"))  # fmt: skip
    add(lib + "busybox", {"latest": 2_155_493, "1.36": 2_152_262, "1.36.1": 2_152_262, "1.37": 2_155_493,
                          "1.37.0": 2_155_493, "stable": 2_155_493, "musl": 859_128, "glibc": 2_226_391,
                          "1.28": 732_480},
        ImageConfig((), ("sh",)))  # fmt: skip
    add("registry.k8s.io/busybox", {"latest": 1_144_547, "1.27.2": 1_144_547}, ImageConfig((), ("sh",)))
    add("registry.k8s.io/pause", {"3.10": 320_368, "3.10.1": 320_368, "3.9": 321_520}, ImageConfig(("/pause",)))
    add(lib + "alpine", {"latest": 3_644_184, "3.21": 3_644_184, "3.20": 3_625_916, "3.19": 3_418_121},
        ImageConfig((), ("/bin/sh",)))  # fmt: skip
    add(lib + "ubuntu", {"latest": 29_754_290, "24.04": 29_754_290, "22.04": 29_538_961, "noble": 29_754_290,
                         "jammy": 29_538_961},
        ImageConfig((), ("/bin/bash",)))  # fmt: skip
    add(lib + "debian", {"latest": 48_494_272, "bookworm": 48_494_272, "bookworm-slim": 28_227_259, "12": 48_494_272},
        ImageConfig((), ("bash",)))  # fmt: skip
    add(lib + "redis", {"latest": 45_213_684, "7": 40_014_371, "7.2": 40_014_371, "7.4": 41_305_229, "8": 45_213_684,
                        "alpine": 17_235_530, "7-alpine": 16_842_115},
        ImageConfig(ep, ("redis-server",), (6379,)))  # fmt: skip
    add(lib + "postgres", {"latest": 158_224_963, "17": 158_224_963, "16": 153_874_521, "15": 150_362_190,
                           "16-alpine": 104_907_622, "17-alpine": 108_512_307},
        ImageConfig(ep, ("postgres",), (5432,), "SIGINT"))  # fmt: skip
    add(lib + "mysql", {"latest": 170_311_432, "8": 170_311_432, "8.0": 165_019_841, "8.4": 170_311_432,
                        "5.7": 137_453_227},
        ImageConfig(ep, ("mysqld",), (3306, 33060)))  # fmt: skip
    add(lib + "python", {"latest": 372_006_912, "3": 372_006_912, "3.13": 372_006_912, "3.12": 369_845_214,
                         "3.11": 365_278_345, "3.12-slim": 45_132_870, "3.13-slim": 45_872_016,
                         "3.11-alpine": 23_003_038, "3.12-alpine": 19_241_567, "3.13-alpine": 19_532_114},
        ImageConfig((), ("python3",)))  # fmt: skip
    add(lib + "node", {"latest": 398_312_447, "20": 390_214_553, "22": 398_312_447, "20-alpine": 45_883_101,
                       "22-alpine": 47_330_952},
        ImageConfig(ep, ("node",)))  # fmt: skip
    add(lib + "httpd", {"latest": 58_446_175, "2.4": 58_446_175, "2.4-alpine": 22_015_643, "alpine": 22_015_643},
        ImageConfig((), ("httpd-foreground",), (80,), "SIGWINCH"))  # fmt: skip
    add(lib + "memcached", {"latest": 30_531_244, "1.6": 30_531_244, "alpine": 4_910_376},
        ImageConfig(ep, ("memcached",), (11211,)))  # fmt: skip
    add(lib + "mongo", {"latest": 253_180_512, "7": 247_051_889, "8": 253_180_512},
        ImageConfig(ep, ("mongod",), (27017,)))  # fmt: skip
    add(lib + "hello-world", {"latest": 10_242}, ImageConfig((), ("/hello",)))
    add("registry.k8s.io/liveness", {"latest": 2_369_855}, ImageConfig((), ("/server",), (8080,)))
    add("registry.k8s.io/goproxy", {"0.1": 2_584_416}, ImageConfig((), ("/goproxy",), (8080,)))
    add("registry.k8s.io/hpa-example", {"latest": 166_018_324}, ImageConfig((), ("apache2-foreground",), (80,)))
    add("registry.k8s.io/e2e-test-images/agnhost", {"2.39": 51_297_201, "2.43": 52_013_874, "2.47": 53_114_008,
                                                     "2.52": 54_380_917},
        ImageConfig(("/agnhost",), ("pause",)))  # fmt: skip
    add("docker.io/polinux/stress", {"latest": 4_231_210}, ImageConfig((), ("stress", "--help")))
    add(
        "docker.io/curlimages/curl",
        {"latest": 10_212_454, "8.11.1": 10_212_454},
        ImageConfig(("/entrypoint.sh",), ("curl",)),
    )
    add(
        "docker.io/hashicorp/http-echo",
        {"latest": 3_371_248, "1.0": 3_371_248},
        ImageConfig(("/http-echo",), (), (5678,)),
    )
    add("docker.io/traefik/whoami", {"latest": 3_093_411, "v1.10": 3_093_411}, ImageConfig(("/whoami",), (), (80,)))


_catalog()
