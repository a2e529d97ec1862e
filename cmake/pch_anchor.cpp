// Anchors the shared precompiled header (torch/torch.h) that every module reuses.
namespace tessera::detail { int pch_anchor = 0; }
