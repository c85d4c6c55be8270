"""Pure-Python lifecycles and rules of the cooperation mechanism.

Nothing here imports Flask or SQLAlchemy: the app computes who the actor is *to the object*
(a relational role) and asks these tables whether a step is allowed.
"""
