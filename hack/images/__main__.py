"""python3 -m hack.images [--import SOCKET] [IMAGE ...]: build (cached), then import."""

import argparse

from . import containerd
from .build import build
from .catalog import IMAGES


def main() -> None:
    parser = argparse.ArgumentParser(prog="hack/build-images.sh", description=__doc__)
    parser.add_argument("images", nargs="*", metavar="IMAGE", help=", ".join(IMAGES))
    parser.add_argument("--import", dest="address", metavar="SOCKET", help="containerd socket")
    parser.add_argument("--snapshotter", default="overlayfs", help="unpack into this one")
    args = parser.parse_args()
    if unknown := set(args.images) - set(IMAGES):
        parser.error(f"unknown images: {', '.join(sorted(unknown))}")
    for name in args.images or IMAGES:
        archive = build(IMAGES[name])
        if args.address:
            containerd.load(args.address, archive, args.snapshotter)


if __name__ == "__main__":
    main()
