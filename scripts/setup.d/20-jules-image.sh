# Sourced by scripts/setup.sh: the build context of the Jules image (FROM scratch: the jules binary and
# exactly the shared libraries it needs), which manifests/modules/jules/jules.json builds with POST /build.
echo "==> Jules image context in .build/jules-image"
bash scripts/jules-image-context.sh .build/jules-image >/dev/null
