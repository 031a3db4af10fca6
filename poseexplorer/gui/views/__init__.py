"""Views: widgets that draw plain arrays (frames, 2D and 3D skeletons, scatter points)."""
