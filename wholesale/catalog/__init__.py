"""The supplier's catalog: products, images, volume price breaks, per-buyer price lists."""
